#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ine/credential.hpp"
#include "registry/upstream_mapping.hpp"

// The JSON wire mapping between inereg and a registry upstream (docs/UPSTREAM.md). Pure
// functions: no I/O, thread-safe. Shared by the HTTP source (IneregMapping), the reference upstream
// (`inereg registry serve-upstream`) and the tests.
namespace inereg::registry {

// The request body of one lookup form: {"form":"EH","cic":…,"idCiudadano":…},
// {"form":"D","cic":…,"ocr":…}, {"form":"C","claveElector":…,"numeroEmision":…,"ocr":…},
// or for a CURP source {"form":"CURP","curp":…}.
// Carries personal data: never log it.
std::string upstream_request_body(const ine::LookupKey& key);

// The inverse, for servers: the canonical lookup key (ine::LookupKey::canonical) a
// request body asks for, or nullopt when the body is not a well-formed request.
std::optional<std::string> canonical_key_from_request(std::string_view body);

// What an upstream's 200 answer says. Exactly one of `situation` or `problem` is set.
struct UpstreamAnswer {
  std::optional<int> situation;  // a catalog id with a policy (ine/situation.hpp)
  std::string problem;           // why the body is not a verdict; never personal data
};

// Reads a response body: {"situacion": <catalog id or name>} or {"claveMensaje": <vendor
// code, string or number>} (situacion wins when both are present). Anything else —
// malformed JSON, an unknown id, name or code, code 4 (INE service error) — is a
// problem, never a verdict.
UpstreamAnswer parse_upstream_answer(std::string_view body);

// The response body a server sends for a catalog situation.
std::string upstream_answer_body(int situation);

// inereg's own protocol as an HttpSource speaks it: upstream_request_body() out; a 200
// application/json answer read by parse_upstream_answer(); any other status is no verdict.
class IneregMapping final : public UpstreamMapping {
 public:
  std::string request_body(const ine::LookupKey& form) const override;
  LookupOutcome read_reply(const UpstreamReply& reply) const override;
};

// What a CURP upstream's 200 answer says: {"statusCurp": "<catalog code>"} (a status of
// ine/curp_status.hpp) or {"statusCurp": null} (RENAPO has no record of the CURP:
// ine::kCurpNotFound). Anything else is a problem, never a verdict.
UpstreamAnswer parse_upstream_curp_answer(std::string_view body);

// The response body a CURP server sends for a catalog status id (or kCurpNotFound).
std::string upstream_curp_answer_body(int status);

// A CURP source in inereg's protocol, as an HttpSource speaks it: upstream_request_body()
// of a kCurp form out; a 200 application/json answer read by parse_upstream_curp_answer().
class CurpMapping final : public UpstreamMapping {
 public:
  std::string request_body(const ine::LookupKey& form) const override;
  LookupOutcome read_reply(const UpstreamReply& reply) const override;
};

// A Retry-After value in milliseconds from `now_unix_ms`: delta-seconds ("120") or an
// HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"); a date in the past is 0. nullopt when
// the value is neither.
std::optional<std::int64_t> parse_retry_after_ms(std::string_view value, std::int64_t now_unix_ms);

}  // namespace inereg::registry
