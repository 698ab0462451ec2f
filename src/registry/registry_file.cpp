#include "registry/registry_file.hpp"

#include <array>
#include <charconv>
#include <stdexcept>
#include <vector>

#include "ine/identifiers.hpp"
#include "ine/situation.hpp"

namespace inereg::registry {
namespace {

std::vector<std::string_view> split_csv(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      cells.push_back(line.substr(start));
      return cells;
    }
    cells.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
}

// Share of each situation in generated data, out of 1000: mostly vigente, with every
// kind of negative verdict an integrator should see in a demo.
struct SituationWeight {
  int situation;
  int per_mille;
};
constexpr std::array kSituationSpread = {
    SituationWeight{1, 820}, SituationWeight{3, 20},  SituationWeight{4, 20},  SituationWeight{7, 30},
    SituationWeight{11, 25}, SituationWeight{12, 10}, SituationWeight{13, 10}, SituationWeight{19, 10},
    SituationWeight{20, 10}, SituationWeight{25, 5},  SituationWeight{27, 5},  SituationWeight{35, 15},
    SituationWeight{14, 5},  SituationWeight{17, 5},  SituationWeight{22, 10},
};

constexpr std::array<std::string_view, 6> kModels = {"C", "D", "E", "F", "G", "H"};
constexpr std::array<int, 6> kModelPerMille = {100, 150, 200, 50, 450, 50};

}  // namespace

std::variant<RegistryRow, std::string> parse_registry_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  const auto cells = split_csv(line);
  if (cells.size() != 7) {
    return "expected 7 comma-separated cells, got " + std::to_string(cells.size());
  }
  RegistryRow row;
  row.model = std::string(cells[0]);
  const auto form = ine::form_for_model(row.model);
  if (!form) {
    return std::string("model must be one of C, D, E, F, G, H");
  }
  ine::Credential& c = row.credential;
  c.cic = std::string(cells[1]);
  c.citizen_id = std::string(cells[2]);
  c.ocr = std::string(cells[3]);
  c.elector_key = std::string(cells[4]);
  c.emission_number = std::string(cells[5]);
  const auto situation_cell = cells[6];
  const auto [end, ec] =
      std::from_chars(situation_cell.data(), situation_cell.data() + situation_cell.size(), row.situation);
  if (ec != std::errc() || end != situation_cell.data() + situation_cell.size() ||
      !ine::policy_for_situation(row.situation)) {
    return std::string("situation is not a catalog id");
  }
  if (!c.cic.empty() && !ine::is_cic(c.cic)) {
    return std::string("cic must be 9 digits");
  }
  if (!c.citizen_id.empty() && !ine::is_citizen_id(c.citizen_id)) {
    return std::string("citizen_id must be 9 digits");
  }
  if (!c.ocr.empty() && !ine::is_ocr(c.ocr)) {
    return std::string("ocr must be 13 digits");
  }
  if (!c.elector_key.empty() && !ine::is_elector_key(c.elector_key)) {
    return std::string("elector_key is not a valid clave de elector");
  }
  if (!c.emission_number.empty()) {
    if (!ine::is_emission_number(c.emission_number)) {
      return std::string("emission_number must be 1 or 2 digits");
    }
    c.emission_number = ine::pad_emission_number(c.emission_number);
  }
  if (!ine::lookup_key(*form, c)) {
    return "model " + row.model +
           " lacks an input of its lookup form (C: elector_key, emission_number, ocr; "
           "D: cic, ocr; E-H: cic, citizen_id)";
  }
  return row;
}

std::string format_registry_row(const RegistryRow& row) {
  const auto& c = row.credential;
  return row.model + "," + c.cic + "," + c.citizen_id + "," + c.ocr + "," + c.elector_key + "," + c.emission_number +
         "," + std::to_string(row.situation);
}

store::RegistryEntry to_registry_entry(const RegistryRow& row) {
  // parse_registry_line guarantees the model's form has all its inputs.
  auto key = ine::lookup_key(ine::form_for_model(row.model).value(), row.credential).value();
  return store::RegistryEntry{std::move(key.canonical), row.model, row.situation};
}

std::string SyntheticRegistry::digits(int count) {
  std::uniform_int_distribution<int> digit(0, 9);
  std::string out;
  for (int i = 0; i < count; ++i) {
    out.push_back(static_cast<char>('0' + digit(random_)));
  }
  return out;
}

std::string SyntheticRegistry::letters(int count) {
  std::uniform_int_distribution<int> letter(0, 25);
  std::string out;
  for (int i = 0; i < count; ++i) {
    out.push_back(static_cast<char>('A' + letter(random_)));
  }
  return out;
}

std::string SyntheticRegistry::elector_key() {
  std::uniform_int_distribution<int> year(0, 99);
  std::uniform_int_distribution<int> month(1, 12);
  std::uniform_int_distribution<int> day(1, 28);
  std::uniform_int_distribution<int> state(1, 32);
  std::uniform_int_distribution<int> sex(0, 1);
  auto two = [](int v) { return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10); };
  return letters(6) + two(year(random_)) + two(month(random_)) + two(day(random_)) + two(state(random_)) +
         (sex(random_) == 0 ? "H" : "M") + digits(3);
}

RegistryRow SyntheticRegistry::make(std::string_view model, int situation) {
  RegistryRow row;
  row.model = std::string(model);
  row.situation = situation;
  ine::Credential& c = row.credential;
  switch (ine::form_for_model(model).value()) {
    case ine::LookupForm::kElectorKeyEmissionOcr:
      c.elector_key = elector_key();
      c.emission_number = ine::pad_emission_number(digits(1));
      c.ocr = digits(13);
      break;
    case ine::LookupForm::kCicOcr:
      c.cic = digits(9);
      c.ocr = digits(13);
      break;
    case ine::LookupForm::kCicCitizenId:
      // On E–H cards the MRZ's 13-digit block ends with the identificador.
      c.cic = digits(9);
      c.ocr = digits(13);
      c.citizen_id = c.ocr.substr(4);
      break;
    case ine::LookupForm::kCurp:
      throw std::logic_error("a card model is never looked up by CURP");
  }
  return row;
}

RegistryRow SyntheticRegistry::next() {
  std::uniform_int_distribution<int> per_mille(0, 999);
  int pick = per_mille(random_);
  std::string_view model = kModels.back();
  for (std::size_t i = 0; i < kModels.size(); ++i) {
    if (pick < kModelPerMille[i]) {
      model = kModels[i];
      break;
    }
    pick -= kModelPerMille[i];
  }
  pick = per_mille(random_);
  int situation = ine::kSituationVigente;
  for (const auto& weight : kSituationSpread) {
    if (pick < weight.per_mille) {
      situation = weight.situation;
      break;
    }
    pick -= weight.per_mille;
  }
  return make(model, situation);
}

}  // namespace inereg::registry
