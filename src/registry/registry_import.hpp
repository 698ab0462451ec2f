#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace inereg::registry {

struct ImportProblem {
  std::int64_t line = 0;  // 1-based, the header being line 1
  std::string message;
};

struct ImportReport {
  std::int64_t imported = 0;
  std::vector<ImportProblem> problems;  // bad lines are reported and skipped, never abort the rest
};

// Loads a registry CSV (registry_file.hpp) into the store's snapshot in batches.
// `on_progress(lines_read)` is called after each batch.
ImportReport import_registry(store::Store& store, std::istream& input,
                             const std::function<void(std::int64_t)>& on_progress = {});

}  // namespace inereg::registry
