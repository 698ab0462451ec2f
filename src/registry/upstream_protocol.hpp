#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ine/credential.hpp"

// The server side of inereg's registry protocol (docs/UPSTREAM.md), for the reference
// upstream (`inereg registry serve-upstream`) and the tests, and the Retry-After rule
// of the HTTP source. Pure functions: no I/O, thread-safe.
namespace inereg::registry {

// The canonical lookup key (ine::LookupKey::canonical) a request body of inereg's
// protocol asks for, or nullopt when the body is not a well-formed request. (Clients
// speak the protocol through the "inereg" preset of registry/configured_mapping.hpp.)
std::optional<std::string> canonical_key_from_request(std::string_view body);

// The response body a server sends for a catalog situation.
std::string upstream_answer_body(int situation);

// The response body a CURP server sends for a RENAPO status id (ine/curp_status.hpp):
// {"statusCurp":"<code>"}, or {"statusCurp":null} for ine::kCurpNotFound. Clients read
// it through the "inereg_curp" preset of registry/configured_mapping.hpp.
std::string upstream_curp_answer_body(int status);

// A Retry-After value in milliseconds from `now_unix_ms`: delta-seconds ("120") or an
// HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"); a date in the past is 0. nullopt when
// the value is neither.
std::optional<std::int64_t> parse_retry_after_ms(std::string_view value, std::int64_t now_unix_ms);

}  // namespace inereg::registry
