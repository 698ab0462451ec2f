#pragma once

#include <string>

#include "ine/credential.hpp"

namespace inereg::registry {

// What a registry lookup produced. Only kVerdict is an answer about the credential;
// kUnavailable (outage, timeout, bad upstream answer) is never turned into
// `active: false` — the check stays pending and is retried.
struct LookupOutcome {
  enum class Kind { kVerdict, kUnavailable };
  Kind kind = Kind::kUnavailable;
  int situation = 0;   // catalog id (ine/situation.hpp), with kVerdict
  std::string reason;  // for operators' logs, with kUnavailable; never personal data
};

// A source of registry verdicts: the local snapshot now, HTTP upstreams next.
// Implementations are thread-safe; lookup() may block (it runs on check workers,
// never on the HTTP I/O threads).
class RegistryConnector {
 public:
  virtual ~RegistryConnector() = default;
  virtual LookupOutcome lookup(const ine::Credential& credential) = 0;
};

}  // namespace inereg::registry
