#include "registry/local_registry.hpp"

#include "ine/situation.hpp"
#include "registry/forms_in_turn.hpp"

namespace inereg::registry {

void LocalRegistry::ask(const Lookup& lookup, Done done) {
  const auto situation = store_.find_registry_situation(single_form(lookup).canonical);
  auto outcome = LookupOutcome::verdict(situation.value_or(ine::kSituationNotFound));
  outcome.snapshot_at_ms = store_.find_snapshot_date(store::kIneSnapshot);
  done(std::move(outcome));
}

}  // namespace inereg::registry
