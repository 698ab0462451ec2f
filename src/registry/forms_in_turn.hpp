#pragma once

#include "registry/connector.hpp"

namespace inereg::registry {

// The registry's lookup rule: a credential's forms are asked one at a time, most
// specific first, and a "not found" on one form asks the next (a CIC + OCR may be
// registered under either form, ine::lookup_keys). Any other answer ends the lookup;
// "not found" on every form is the registry's "not found" verdict.
// Layers below see one form per lookup, so a retry repeats only the form that failed.
// Thread-safe; the next form is asked on the thread that answered the previous one.
class FormsInTurn final : public ConnectorLayer {
 public:
  using ConnectorLayer::ConnectorLayer;
  void ask(const Lookup& lookup, Done done) override;

 private:
  struct Turn;
  void ask_next(std::shared_ptr<Turn> turn);
};

// The one form a source is asked: sources sit below FormsInTurn (registry_builder.cpp).
// Throws std::logic_error when the stack was built without it.
const ine::LookupKey& single_form(const Lookup& lookup);

}  // namespace inereg::registry
