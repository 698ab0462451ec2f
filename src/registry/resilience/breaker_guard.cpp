#include "registry/resilience/breaker_guard.hpp"

namespace inereg::registry {
namespace {

CircuitBreaker::Outcome health_shown_by(const LookupOutcome& outcome) {
  switch (outcome.cause) {
    case LookupOutcome::Cause::kNone:
      return CircuitBreaker::Outcome::kSuccess;
    case LookupOutcome::Cause::kTransient:
    case LookupOutcome::Cause::kNoVerdict:
      return CircuitBreaker::Outcome::kFailure;
    case LookupOutcome::Cause::kRateLimited:
    case LookupOutcome::Cause::kRefused:
      return CircuitBreaker::Outcome::kNeutral;
  }
  return CircuitBreaker::Outcome::kFailure;
}

}  // namespace

void BreakerGuard::ask(const Lookup& lookup, Done done) {
  const auto admission = breaker_.admit(steady_ms(now_()));
  if (!admission.allowed) {
    done(LookupOutcome::unavailable(LookupOutcome::Cause::kRefused, "the circuit breaker is open",
                                    admission.retry_after_ms));
    return;
  }
  inner().ask(lookup, [this, probe = admission.probe, done = std::move(done)](LookupOutcome outcome) {
    breaker_.record(health_shown_by(outcome), probe, steady_ms(now_()));
    done(std::move(outcome));
  });
}

ConnectorStats BreakerGuard::stats() const {
  auto stats = ConnectorLayer::stats();
  stats.breaker_state = static_cast<int>(breaker_.state(steady_ms(now_())));
  return stats;
}

}  // namespace inereg::registry
