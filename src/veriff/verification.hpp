#pragma once

#include <string>
#include <string_view>

#include "store/records.hpp"

// The answer of POST /v1/sessions ("Create session", veriff-api.md §4.4) and PATCH
// /v1/sessions/{id} ("Update session", §4.5), and of DELETE /v1/sessions/{id} (§4.6).
namespace inereg::veriff {

// Where the end user goes to be verified, as the session's `verification` reports it.
struct VerificationLink {
  std::string_view url;            // verification.url: the page that starts the session
  std::string_view host;           // verification.host
  std::string_view session_token;  // verification.sessionToken
};

// {"status":"success","verification":{"id","url","vendorData","host","status","sessionToken"}}
std::string verification_summary(const store::Session& session, const VerificationLink& link);

// {"status":"success","verification":{"id"}}: the session was deleted.
std::string deletion_confirmation(const store::Session& session);

}  // namespace inereg::veriff
