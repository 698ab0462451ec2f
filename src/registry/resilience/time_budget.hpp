#pragma once

#include <chrono>

#include "registry/connector.hpp"

namespace inereg::registry {

// A deadline: the lookup must be answered within `budget` of reaching this layer (or
// by the deadline it already carries, when that is sooner). The layers below honour
// it — the HTTP source ends its exchange there, the retry layer starts no attempt and
// waits no backoff past it — so a deadline is passed down, never enforced by
// abandoning a call that keeps running. Stacked twice: once per lookup
// (registry.lookup_timeout_ms), once per attempt (registry.attempt_timeout_ms).
class TimeBudget final : public ConnectorLayer {
 public:
  TimeBudget(std::unique_ptr<RegistryConnector> inner, std::chrono::milliseconds budget,
             SteadyNow now = std::chrono::steady_clock::now)
      : ConnectorLayer(std::move(inner)), budget_(budget), now_(std::move(now)) {}

  void ask(const Lookup& lookup, Done done) override {
    Lookup bounded = lookup;
    bounded.deadline = std::min(lookup.deadline, now_() + budget_);
    inner().ask(bounded, std::move(done));
  }

 private:
  const std::chrono::milliseconds budget_;
  const SteadyNow now_;
};

}  // namespace inereg::registry
