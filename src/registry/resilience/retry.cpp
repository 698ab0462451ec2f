#include "registry/resilience/retry.hpp"

#include <algorithm>
#include <random>

namespace inereg::registry {
using Cause = LookupOutcome::Cause;

struct RetryWithBackoff::Attempts {
  Lookup lookup;
  Done done;
  int made = 0;
  // What to answer when the attempts run out: the last transient failure.
  LookupOutcome last = LookupOutcome::unavailable(Cause::kRefused, "the lookup deadline passed before an attempt");
};

std::int64_t RetryWithBackoff::full_jitter(std::int64_t ceiling_ms) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return std::uniform_int_distribution<std::int64_t>(0, ceiling_ms)(random);
}

RetryWithBackoff::RetryWithBackoff(std::unique_ptr<RegistryConnector> inner, RetryOptions options,
                                   std::unique_ptr<Timers> timers, SteadyNow now, Jitter jitter)
    : ConnectorLayer(std::move(inner)),
      options_(options),
      timers_(std::move(timers)),
      now_(std::move(now)),
      jitter_(std::move(jitter)) {}

void RetryWithBackoff::ask(const Lookup& lookup, Done done) {
  attempt(std::make_shared<Attempts>(Attempts{lookup, std::move(done)}));
}

void RetryWithBackoff::stop() {
  ConnectorLayer::stop();
  timers_->stop();
}

void RetryWithBackoff::attempt(std::shared_ptr<Attempts> attempts) {
  if (now_() >= attempts->lookup.deadline) {
    attempts->done(std::move(attempts->last));
    return;
  }
  ++attempts->made;
  const Lookup lookup = attempts->lookup;  // a copy: `attempts` may end inside ask() if it answers inline
  inner().ask(lookup, [this, attempts = std::move(attempts)](LookupOutcome outcome) mutable {
    answered(std::move(attempts), std::move(outcome));
  });
}

void RetryWithBackoff::answered(std::shared_ptr<Attempts> attempts, LookupOutcome outcome) {
  if (outcome.cause != Cause::kTransient) {
    attempts->done(std::move(outcome));
    return;
  }
  attempts->last = std::move(outcome);
  if (attempts->made >= options_.max_attempts) {
    attempts->done(std::move(attempts->last));
    return;
  }
  const int exponent = std::min(attempts->made - 1, 30);
  const std::int64_t ceiling = std::min(options_.backoff_max_ms, options_.backoff_base_ms << exponent);
  const auto wait = std::chrono::milliseconds(jitter_(std::max<std::int64_t>(0, ceiling)));
  if (now_() + wait >= attempts->lookup.deadline) {
    attempts->done(std::move(attempts->last));
    return;
  }
  timers_->after(wait, [this, attempts = std::move(attempts)](bool stopped) mutable {
    if (stopped) {
      attempts->done(LookupOutcome::unavailable(Cause::kRefused, "connector stopped"));
      return;
    }
    attempt(std::move(attempts));
  });
}

}  // namespace inereg::registry
