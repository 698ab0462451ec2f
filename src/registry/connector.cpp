#include "registry/connector.hpp"

namespace inereg::registry {

LookupOutcome LookupOutcome::verdict(int situation) {
  LookupOutcome outcome;
  outcome.kind = Kind::kVerdict;
  outcome.situation = situation;
  return outcome;
}

LookupOutcome LookupOutcome::unavailable(Cause cause, std::string reason, std::optional<std::int64_t> retry_after_ms) {
  LookupOutcome outcome;
  outcome.reason = std::move(reason);
  outcome.retry_after_ms = retry_after_ms;
  outcome.cause = cause;
  return outcome;
}

void RegistryConnector::lookup(const ine::Credential& credential, Done done) {
  auto forms = ine::lookup_keys(credential);
  if (forms.empty()) {
    done(LookupOutcome::unavailable(LookupOutcome::Cause::kNoVerdict, "credential has no complete lookup form"));
    return;
  }
  ask(Lookup{std::move(forms), Deadline::max()}, std::move(done));
}

void RegistryConnector::lookup_curp(const ine::Credential& credential, Done done) {
  auto form = ine::lookup_key(ine::LookupForm::kCurp, credential);
  if (!form) {
    done(LookupOutcome::unavailable(LookupOutcome::Cause::kNoVerdict, "credential has no CURP"));
    return;
  }
  ask(Lookup{{std::move(*form)}, Deadline::max()}, std::move(done));
}

}  // namespace inereg::registry
