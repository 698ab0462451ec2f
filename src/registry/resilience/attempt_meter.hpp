#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "registry/connector.hpp"

namespace inereg::registry {

// Counts what the source below did with each attempt: requests started, attempts
// without a usable answer (failures; a 429 is counted apart as rate_limited), and
// the time each took (a histogram). Sits directly above the source, so each count is
// one call to it. Thread-safe.
class AttemptMeter final : public ConnectorLayer {
 public:
  static constexpr std::array kLatencyBoundsS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

  using ConnectorLayer::ConnectorLayer;
  void ask(const Lookup& lookup, Done done) override;
  ConnectorStats stats() const override;

 private:
  void observe_latency(std::chrono::steady_clock::duration elapsed);

  std::atomic<std::int64_t> requests_{0};
  std::atomic<std::int64_t> failures_{0};
  std::atomic<std::int64_t> rate_limited_{0};
  std::array<std::atomic<std::int64_t>, kLatencyBoundsS.size() + 1> latency_counts_{};  // last: +Inf
  std::atomic<std::int64_t> latency_sum_us_{0};
};

}  // namespace inereg::registry
