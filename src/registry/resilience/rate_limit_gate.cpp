#include "registry/resilience/rate_limit_gate.hpp"

#include <algorithm>

namespace inereg::registry {
using Cause = LookupOutcome::Cause;

void RateLimitGate::ask(const Lookup& lookup, Done done) {
  if (const auto wait = not_before_ms_.load() - steady_ms(now_()); wait > 0) {
    done(LookupOutcome::unavailable(Cause::kRefused, "the upstream asked to wait (429 Retry-After)", wait));
    return;
  }
  inner().ask(lookup, [this, done = std::move(done)](LookupOutcome outcome) {
    if (outcome.cause == Cause::kRateLimited) {
      const auto wait = std::min(outcome.retry_after_ms.value_or(options_.default_ms), options_.max_ms);
      hold_off(wait);
      outcome.retry_after_ms = wait;
    }
    done(std::move(outcome));
  });
}

void RateLimitGate::hold_off(std::int64_t wait_ms) {
  const std::int64_t until = steady_ms(now_()) + wait_ms;
  std::int64_t current = not_before_ms_.load();
  while (current < until && !not_before_ms_.compare_exchange_weak(current, until)) {
  }
}

}  // namespace inereg::registry
