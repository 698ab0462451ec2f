#pragma once

#include "registry/connector.hpp"
#include "store/store.hpp"

namespace inereg::registry {

// A source answering from the snapshot imported with `inereg registry import`: one
// lookup form (FormsInTurn above asks the next); no match is the registry's
// "not found". Answers inline: a local point read takes microseconds.
class LocalRegistry final : public RegistryConnector {
 public:
  explicit LocalRegistry(store::Store& store) : store_(store) {}
  void ask(const Lookup& lookup, Done done) override;

 private:
  store::Store& store_;
};

}  // namespace inereg::registry
