#include "registry/local_registry.hpp"

#include "ine/situation.hpp"

namespace inereg::registry {

void LocalRegistry::lookup(const ine::Credential& credential, Done done) {
  done(lookup_now(credential));
}

LookupOutcome LocalRegistry::lookup_now(const ine::Credential& credential) {
  const auto keys = ine::lookup_keys(credential);
  if (keys.empty()) {
    return LookupOutcome{LookupOutcome::Kind::kUnavailable, 0, "credential has no complete lookup form", std::nullopt};
  }
  for (const auto& key : keys) {
    if (const auto situation = store_.find_registry_situation(key.canonical)) {
      return LookupOutcome{LookupOutcome::Kind::kVerdict, *situation, {}, std::nullopt};
    }
  }
  return LookupOutcome{LookupOutcome::Kind::kVerdict, ine::kSituationNotFound, {}, std::nullopt};
}

}  // namespace inereg::registry
