#include "util/suspension.hpp"

namespace inereg::util {
namespace {

thread_local Suspension* current = nullptr;

}  // namespace

Suspension* current_suspension() {
  return current;
}

ScopedSuspension::ScopedSuspension(Suspension* suspension) : previous_(current) {
  current = suspension;
}

ScopedSuspension::~ScopedSuspension() {
  current = previous_;
}

}  // namespace inereg::util
