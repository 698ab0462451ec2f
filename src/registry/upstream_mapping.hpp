#pragma once

#include <string>
#include <string_view>

#include "ine/credential.hpp"
#include "registry/connector.hpp"

namespace inereg::registry {

// An upstream's answer to one request, as far as the HTTP source read it.
struct UpstreamReply {
  int status = 0;
  std::string_view content_type;
  std::string_view body;
};

// How one registry vendor's HTTP API is spoken: the wire mapping under an HttpSource.
// inereg's own protocol (IneregMapping, docs/UPSTREAM.md) is one; adding a vendor is
// adding one. Pure and thread-safe: no I/O, no state.
class UpstreamMapping {
 public:
  virtual ~UpstreamMapping() = default;

  // The JSON body POSTed to ask one lookup form. Carries personal data: never log it.
  virtual std::string request_body(const ine::LookupKey& form) const = 0;

  // What a reply says: a catalog verdict, or unavailable with Cause::kNoVerdict and a
  // reason free of personal data. Anything the mapping does not recognise — a status
  // other than a definite answer, malformed or unknown content — is never a verdict.
  // The HTTP source answers 429, 408 and 5xx itself; they never reach the mapping.
  virtual LookupOutcome read_reply(const UpstreamReply& reply) const = 0;
};

// True for "application/json", with or without parameters, in any letter case.
bool is_json_content_type(std::string_view content_type);

}  // namespace inereg::registry
