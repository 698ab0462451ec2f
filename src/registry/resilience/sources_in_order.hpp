#pragma once

#include <memory>
#include <string>
#include <vector>

#include "registry/connector.hpp"

namespace inereg::registry {

// Failover between registry sources (`registry.sources`): a lookup asks the first
// source; when its answer is not a verdict — the source is down, its breaker is open,
// its answer was unusable — the next one is asked, in order, while the lookup's
// deadline allows. The outcome carries the name of the source that gave it
// (LookupOutcome::source); when none gave a verdict it is the last source's outcome,
// with every source's reason and the soonest retry hint any gave (none when one gave
// none). Each source is a whole stack of its own (forms, retries, breaker: stack_builder).
//
// Thread-safe; the next source is asked on the thread that answered the previous one.
// stats() adds the sources' counters up (breaker_state: the most open).
class SourcesInOrder final : public RegistryConnector {
 public:
  struct Source {
    std::string name;
    std::unique_ptr<RegistryConnector> connector;
  };
  // Precondition: `sources` is not empty.
  explicit SourcesInOrder(std::vector<Source> sources);

  void ask(const Lookup& lookup, Done done) override;
  ConnectorStats stats() const override;
  void stop() override;

 private:
  struct Turn;
  void ask_next(std::shared_ptr<Turn> turn);
  const std::vector<Source> sources_;
};

}  // namespace inereg::registry
