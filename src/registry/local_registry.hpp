#pragma once

#include "registry/connector.hpp"
#include "store/store.hpp"

namespace inereg::registry {

// Answers from the snapshot imported with `inereg registry import`. Tries the
// credential's lookup forms in order; no match is the registry's "not found".
class LocalRegistry final : public RegistryConnector {
 public:
  explicit LocalRegistry(store::Store& store) : store_(store) {}
  // Answers inline: a local point read takes microseconds.
  void lookup(const ine::Credential& credential, Done done) override;
  LookupOutcome lookup_now(const ine::Credential& credential);

 private:
  store::Store& store_;
};

}  // namespace inereg::registry
