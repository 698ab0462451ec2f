#include "registry/forms_in_turn.hpp"

#include <stdexcept>

#include "ine/situation.hpp"

namespace inereg::registry {

struct FormsInTurn::Turn {
  Lookup lookup;  // every form; `next` indexes the one to ask
  std::size_t next = 0;
  Done done;
};

void FormsInTurn::ask(const Lookup& lookup, Done done) {
  ask_next(std::make_shared<Turn>(Turn{lookup, 0, std::move(done)}));
}

void FormsInTurn::ask_next(std::shared_ptr<Turn> turn) {
  Lookup one{{turn->lookup.forms.at(turn->next)}, turn->lookup.deadline};
  ++turn->next;
  inner().ask(one, [this, turn = std::move(turn)](LookupOutcome outcome) mutable {
    const bool not_found =
        outcome.kind == LookupOutcome::Kind::kVerdict && outcome.situation == ine::kSituationNotFound;
    if (not_found && turn->next < turn->lookup.forms.size()) {
      ask_next(std::move(turn));
      return;
    }
    turn->done(std::move(outcome));
  });
}

const ine::LookupKey& single_form(const Lookup& lookup) {
  if (lookup.forms.size() != 1) {
    throw std::logic_error("a registry source asks one lookup form: FormsInTurn belongs above it");
  }
  return lookup.forms.front();
}

}  // namespace inereg::registry
