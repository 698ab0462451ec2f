#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <span>
#include <string>
#include <string_view>
#include <variant>
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

// Reads a snapshot CSV whose first line must be `header`, in batches: `parse` turns a
// line into an entry or a problem (reported with its line number and skipped, never
// echoing the line), `write` stores a batch, `on_progress(lines_read)` follows each
// batch, and `imported()` once after the last when any line was imported (the
// snapshot's date). The one import loop of every snapshot (INE registry, RENAPO).
template <typename Entry>
ImportReport import_csv(std::istream& input, std::string_view header,
                        const std::function<std::variant<Entry, std::string>(std::string_view)>& parse,
                        const std::function<void(std::span<const Entry>)>& write,
                        const std::function<void(std::int64_t)>& on_progress, const std::function<void()>& imported) {
  constexpr std::size_t kBatchSize = 5'000;
  ImportReport report;
  std::string line;
  std::int64_t line_number = 0;
  std::vector<Entry> batch;
  batch.reserve(kBatchSize);
  auto flush = [&] {
    write(batch);
    report.imported += static_cast<std::int64_t>(batch.size());
    batch.clear();
    if (on_progress) {
      on_progress(line_number);
    }
  };
  while (std::getline(input, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line_number == 1) {
      if (line != header) {
        report.problems.push_back({1, "header must be: " + std::string(header)});
        return report;
      }
      continue;
    }
    if (line.empty()) {
      continue;
    }
    auto parsed = parse(line);
    if (auto* problem = std::get_if<std::string>(&parsed)) {
      report.problems.push_back({line_number, std::move(*problem)});
      continue;
    }
    batch.push_back(std::move(std::get<Entry>(parsed)));
    if (batch.size() == kBatchSize) {
      flush();
    }
  }
  flush();
  if (report.imported > 0) {
    imported();
  }
  if (line_number == 0) {
    report.problems.push_back({0, "the file is empty"});
  }
  return report;
}

// Loads a registry CSV (registry_file.hpp) into the store's snapshot in batches.
// `on_progress(lines_read)` is called after each batch.
ImportReport import_registry(store::Store& store, std::istream& input,
                             const std::function<void(std::int64_t)>& on_progress = {});

}  // namespace inereg::registry
