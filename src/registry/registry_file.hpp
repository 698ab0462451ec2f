#pragma once

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>

#include "ine/credential.hpp"
#include "store/records.hpp"

// The registry snapshot file: CSV with the header below, one credential per line,
// empty cells where a model has no such field; `situation` is the catalog id.
namespace inereg::registry {

inline constexpr std::string_view kRegistryCsvHeader = "model,cic,citizen_id,ocr,elector_key,emission_number,situation";

struct RegistryRow {
  std::string model;  // C, D, E, F, G or H
  ine::Credential credential;
  int situation = 1;
};

// A row, or a message saying what is wrong with the line (never echoing its values).
std::variant<RegistryRow, std::string> parse_registry_line(std::string_view line);

std::string format_registry_row(const RegistryRow& row);

// The snapshot entry for a row: the key of the lookup form its model uses.
store::RegistryEntry to_registry_entry(const RegistryRow& row);

// Synthetic credentials with valid formats, for demos, tests and benchmarks. Not
// thread-safe; deterministic for a seed.
class SyntheticRegistry {
 public:
  explicit SyntheticRegistry(std::uint64_t seed) : random_(seed) {}
  // A record whose model and situation follow a realistic spread (mostly vigente).
  RegistryRow next();
  // A record of the given model with the given situation.
  RegistryRow make(std::string_view model, int situation);

 private:
  std::string digits(int count);
  std::string letters(int count);
  std::string elector_key();
  std::mt19937_64 random_;
};

}  // namespace inereg::registry
