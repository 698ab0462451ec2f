#pragma once

#include <boost/json.hpp>

#include "util/time.hpp"

// What Veriff documents about request bodies of the session API (veriff-api.md §4.4,
// §6.3, codes §3.3), checked before anything is stored. Each function throws ApiError
// with the documented code; messages name the member where the code is generic.
// Unknown members are accepted: Veriff's own clients send some (§8.2).
namespace inereg::api {

// A create-session `verification` object: callback (1302), person and document member
// types and formats (1104, 1203), consents, features (1301) and timestamp (1201/1202).
// `ine_document`: document.number is then an INE identifier, checked by the INE
// credential parser instead of the generic [A-Za-z0-9] rule.
void validate_create_verification(const boost::json::object& verification, bool ine_document, util::TimeMs now);

// The legacy request-body timestamp (verification.timestamp, any write): must be ISO
// 8601 with Z or an offset (1202) and not older than one hour (1201). Absent or null
// is fine; `verification` may be null.
void validate_request_timestamp(const boost::json::object* verification, util::TimeMs now);

}  // namespace inereg::api
