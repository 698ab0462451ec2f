#pragma once

#include <atomic>
#include <cstdint>

#include "registry/connector.hpp"

namespace inereg::registry {

// Bounds the lookups running at once: one more than `max_in_flight` is refused at once
// (before anything is asked), carrying `retry_after_ms` as its hint. Owns the in_flight
// gauge and the rejected_by_cap counter. Thread-safe.
class InFlightCap final : public ConnectorLayer {
 public:
  InFlightCap(std::unique_ptr<RegistryConnector> inner, int max_in_flight, std::int64_t retry_after_ms)
      : ConnectorLayer(std::move(inner)), max_in_flight_(max_in_flight), retry_after_ms_(retry_after_ms) {}

  void ask(const Lookup& lookup, Done done) override;
  ConnectorStats stats() const override;

 private:
  const int max_in_flight_;
  const std::int64_t retry_after_ms_;
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::int64_t> rejected_{0};
};

}  // namespace inereg::registry
