#pragma once

#include <boost/json.hpp>

#include "ine/credential.hpp"

// `verification.document.mrz` of POST /v1/sessions: the three 30-character lines of the
// back of an INE card (models D–H), newline separated (ine-domain.md §4).
namespace inereg::api {

// The session's credential once the MRZ (if the document carries one) is taken into
// account: `typed` (parsed from `fields`, the typed INE fields) filled in with the MRZ's
// CIC, OCR and identificador del ciudadano. Throws ApiError(kInvalidParameters) — 400
// 1104 — when the MRZ does not parse (the message names the field, the rule broken and
// the parser's stable error code, never the MRZ's characters) or when typed fields
// contradict it (the message names those fields as the client sent them). Nothing is
// corrected: a wrong check digit is an error, not a guess.
ine::Credential credential_with_document_mrz(const boost::json::object* document, const ine::CredentialFields& fields,
                                             ine::Credential typed);

}  // namespace inereg::api
