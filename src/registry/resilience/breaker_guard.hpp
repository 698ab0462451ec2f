#pragma once

#include "registry/circuit_breaker.hpp"
#include "registry/connector.hpp"

namespace inereg::registry {

// Puts a circuit breaker (circuit_breaker.hpp) in front of a source: while it is open a
// lookup is refused at once, carrying the time until it half-opens; every lookup let
// through reports its outcome — a verdict is a success; a transient failure or an
// answer that is no verdict is a failure; a 429 or a refusal below says nothing of the
// upstream's health. Owns the breaker_state gauge. Thread-safe.
class BreakerGuard final : public ConnectorLayer {
 public:
  BreakerGuard(std::unique_ptr<RegistryConnector> inner, CircuitBreakerOptions options,
               SteadyNow now = std::chrono::steady_clock::now)
      : ConnectorLayer(std::move(inner)), breaker_(options), now_(std::move(now)) {}

  void ask(const Lookup& lookup, Done done) override;
  ConnectorStats stats() const override;

 private:
  CircuitBreaker breaker_;
  const SteadyNow now_;
};

}  // namespace inereg::registry
