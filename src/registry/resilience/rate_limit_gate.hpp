#pragma once

#include <atomic>
#include <cstdint>

#include "registry/connector.hpp"

namespace inereg::registry {

struct RateLimitOptions {
  std::int64_t default_ms = 1'000;  // a 429 without a usable Retry-After
  std::int64_t max_ms = 3'600'000;  // a longer Retry-After is capped to this
};

// The 429 gate: once the source answers 429, no lookup goes through until its
// Retry-After has passed — every lookup meanwhile is refused at once, carrying the time
// left. The 429 answer itself goes up with the wait it set (default_ms when the source
// gave none, never more than max_ms). Thread-safe.
class RateLimitGate final : public ConnectorLayer {
 public:
  RateLimitGate(std::unique_ptr<RegistryConnector> inner, RateLimitOptions options,
                SteadyNow now = std::chrono::steady_clock::now)
      : ConnectorLayer(std::move(inner)), options_(options), now_(std::move(now)) {}

  void ask(const Lookup& lookup, Done done) override;

 private:
  void hold_off(std::int64_t wait_ms);

  const RateLimitOptions options_;
  const SteadyNow now_;
  std::atomic<std::int64_t> not_before_ms_{0};  // steady clock
};

}  // namespace inereg::registry
