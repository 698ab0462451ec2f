#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "registry/connector.hpp"
#include "registry/resilience/timers.hpp"

namespace inereg::registry {

struct RetryOptions {
  int max_attempts = 3;                // first try included
  std::int64_t backoff_base_ms = 200;  // full jitter: wait uniform(0, min(max, base·2^n))
  std::int64_t backoff_max_ms = 2'000;
};

// Asks again after a transient failure (Cause::kTransient: transport error, timeout,
// 5xx), waiting a full-jitter backoff between attempts, until an answer that is not
// transient, max_attempts, or the lookup's deadline (no attempt starts, and no backoff
// is waited, that could not finish by it). Every other answer passes through at once:
// a verdict, a 429, a refusal, an answer that is no verdict (asking again will not help).
// Sits below FormsInTurn, so only the form that failed is asked again.
// Thread-safe; a retry is asked on the timers' thread.
class RetryWithBackoff final : public ConnectorLayer {
 public:
  // A uniform draw in [0, ceiling_ms].
  using Jitter = std::function<std::int64_t(std::int64_t ceiling_ms)>;
  static std::int64_t full_jitter(std::int64_t ceiling_ms);

  RetryWithBackoff(std::unique_ptr<RegistryConnector> inner, RetryOptions options, std::unique_ptr<Timers> timers,
                   SteadyNow now = std::chrono::steady_clock::now, Jitter jitter = full_jitter);

  void ask(const Lookup& lookup, Done done) override;
  void stop() override;

 private:
  struct Attempts;
  void attempt(std::shared_ptr<Attempts> attempts);
  void answered(std::shared_ptr<Attempts> attempts, LookupOutcome outcome);

  const RetryOptions options_;
  const std::unique_ptr<Timers> timers_;
  const SteadyNow now_;
  const Jitter jitter_;
};

}  // namespace inereg::registry
