#include "registry/registry_import.hpp"

#include "registry/registry_file.hpp"

namespace inereg::registry {
namespace {
constexpr std::size_t kBatchSize = 5'000;
}

ImportReport import_registry(store::Store& store, std::istream& input,
                             const std::function<void(std::int64_t)>& on_progress) {
  ImportReport report;
  std::string line;
  std::int64_t line_number = 0;
  std::vector<store::RegistryEntry> batch;
  batch.reserve(kBatchSize);
  auto flush = [&] {
    store.upsert_registry_entries(batch);
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
      if (line != kRegistryCsvHeader) {
        report.problems.push_back({1, "header must be: " + std::string(kRegistryCsvHeader)});
        return report;
      }
      continue;
    }
    if (line.empty()) {
      continue;
    }
    auto parsed = parse_registry_line(line);
    if (auto* problem = std::get_if<std::string>(&parsed)) {
      report.problems.push_back({line_number, std::move(*problem)});
      continue;
    }
    batch.push_back(to_registry_entry(std::get<RegistryRow>(parsed)));
    if (batch.size() == kBatchSize) {
      flush();
    }
  }
  flush();
  if (line_number == 0) {
    report.problems.push_back({0, "the file is empty"});
  }
  return report;
}

}  // namespace inereg::registry
