#include "registry/resilience/in_flight_cap.hpp"

namespace inereg::registry {

void InFlightCap::ask(const Lookup& lookup, Done done) {
  if (++in_flight_ > max_in_flight_) {
    --in_flight_;
    ++rejected_;
    done(LookupOutcome::unavailable(LookupOutcome::Cause::kRefused,
                                    "too many registry lookups in flight (registry.max_in_flight)", retry_after_ms_));
    return;
  }
  inner().ask(lookup, [this, done = std::move(done)](LookupOutcome outcome) {
    --in_flight_;
    done(std::move(outcome));
  });
}

ConnectorStats InFlightCap::stats() const {
  auto stats = ConnectorLayer::stats();
  stats.in_flight = in_flight_.load();
  stats.rejected_by_cap = rejected_.load();
  return stats;
}

}  // namespace inereg::registry
