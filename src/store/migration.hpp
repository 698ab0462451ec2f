#pragma once

#include <string_view>

namespace inereg::store {

// One versioned schema change of a backend (each backend's sql.hpp lists its own, in
// its own SQL dialect). Append-only: a released migration is never edited.
struct Migration {
  int version;
  std::string_view statements;
};

}  // namespace inereg::store
