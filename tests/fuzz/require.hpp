#pragma once

// What every fuzz target does with a violated property: trap, so that libFuzzer (or
// the ctest replay) reports the input that broke it.
namespace inereg::fuzz {

inline void require(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

}  // namespace inereg::fuzz
