#pragma once

#include <cstdint>
#include <filesystem>
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
  // Problems in all; `problems` may list only the first kMaxProblemsListed of them.
  std::int64_t bad_lines = 0;
  // Rows of a credential that a later line of the same file replaced (snapshot files).
  std::int64_t duplicates = 0;
};

inline constexpr std::size_t kMaxProblemsListed = 1'000;

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
        report.bad_lines = 1;
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
      ++report.bad_lines;
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
    ++report.bad_lines;
  }
  return report;
}

// How `registry import` builds and activates an INE snapshot file (snapshot_file.hpp).
struct SnapshotImportOptions {
  std::filesystem::path snapshot_dir;   // registry.snapshot_dir: where the files live
  std::string key;                      // the snapshot key (app::ine_registry_key)
  int threads = 2;                      // parsing and hashing threads
  std::function<std::int64_t()> clock;  // wall clock, ms since the epoch: the snapshot's date
  std::function<void(std::int64_t lines_read)> on_progress = {};
};

// Loads a registry CSV (registry_file.hpp; plain or gzip, told by its first bytes) read
// from `input_fd` (a file or a pipe: read once, front to back) into a new snapshot file
// in options.snapshot_dir, then makes it the active INE snapshot in the store (the one it
// replaces is kept for `registry rollback`) and empties the legacy table. Lookups keep
// answering from the previous snapshot until that last step. Nothing is activated when
// no line was imported. Memory stays bounded whatever the file's size (snapshot_file.hpp).
// Throws on I/O errors (nothing is activated then).
ImportReport import_registry(store::Store& store, int input_fd, const SnapshotImportOptions& options);

// The file name a snapshot of `info` gets in the snapshot directory.
std::string snapshot_file_name(std::int64_t imported_at_ms, std::string_view source_sha256);

}  // namespace inereg::registry
