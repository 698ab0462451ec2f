#include "registry/curp_registry.hpp"

#include <array>
#include <stdexcept>
#include <vector>

#include "ine/check_digits.hpp"
#include "ine/curp_status.hpp"
#include "ine/identifiers.hpp"
#include "registry/forms_in_turn.hpp"
#include "util/time.hpp"

namespace inereg::registry {
namespace {

constexpr std::string_view kCurpFormPrefix = "CURP|";

// Share of each status in generated data, out of 1000: mostly active, with every Baja.
struct StatusWeight {
  int status;
  int per_mille;
};
constexpr std::array kStatusSpread = {
    StatusWeight{1, 600}, StatusWeight{2, 50}, StatusWeight{3, 30}, StatusWeight{4, 150}, StatusWeight{5, 70},
    StatusWeight{6, 40},  StatusWeight{7, 20}, StatusWeight{8, 20}, StatusWeight{9, 20},
};

constexpr std::string_view kVowels = "AEIOU";
constexpr std::string_view kConsonants = "BCDFGHJKLMNPQRSTVWXYZ";
constexpr std::array<std::string_view, 8> kStates = {"DF", "JC", "NL", "MC", "PL", "GT", "VZ", "YN"};

}  // namespace

std::variant<CurpRow, std::string> parse_curp_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  const auto comma = line.find(',');
  if (comma == std::string_view::npos || line.find(',', comma + 1) != std::string_view::npos) {
    return std::string("expected 2 comma-separated cells");
  }
  const std::string curp = ine::normalize_identifier(line.substr(0, comma));
  if (!ine::is_curp(curp)) {
    return std::string("curp is not a valid CURP (format or check digit)");
  }
  const auto status = ine::curp_status_by_code(line.substr(comma + 1));
  if (!status) {
    return std::string("statusCurp must be one of AN, AH, CRA CU, RCN, RCC, BD, BDA, BCC, BCN");
  }
  return CurpRow{curp, status->id};
}

std::string format_curp_row(const CurpRow& row) {
  const auto status = ine::curp_status_by_id(row.status);
  if (!status) {
    throw std::invalid_argument("a CURP row's status must be in the catalog");
  }
  return row.curp + "," + std::string(status->code);
}

ImportReport import_curp_registry(store::Store& store, std::istream& input, const CurpHash& hash,
                                  const std::function<void(std::int64_t)>& on_progress) {
  return import_csv<store::CurpRegistryEntry>(
      input, kCurpCsvHeader,
      [&hash](std::string_view line) -> std::variant<store::CurpRegistryEntry, std::string> {
        auto parsed = parse_curp_line(line);
        if (auto* problem = std::get_if<std::string>(&parsed)) {
          return std::move(*problem);
        }
        const auto& row = std::get<CurpRow>(parsed);
        return store::CurpRegistryEntry{hash(row.curp), row.status};
      },
      [&store](std::span<const store::CurpRegistryEntry> batch) { store.upsert_curp_registry_entries(batch); },
      on_progress,
      [&store, &hash] {
        store.set_snapshot_date(store::kCurpSnapshot, util::wall_clock_ms());
        store.set_snapshot_key_id(store::kCurpSnapshot, curp_key_id(hash));
      });
}

std::string curp_key_id(const CurpHash& hash) {
  return hash("inereg curp snapshot key id");
}

CurpRow SyntheticCurps::make(int status) {
  auto pick = [this](std::string_view from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(random_)];
  };
  auto two = [](int value) { return std::string(1, static_cast<char>('0' + value / 10)) + char('0' + value % 10); };
  std::string curp;
  curp += pick(kConsonants);
  curp += pick(kVowels);
  curp += pick(kConsonants);
  curp += pick(kConsonants);
  curp += two(std::uniform_int_distribution<int>(40, 99)(random_));  // born 1940–1999: homonym digit 0–9
  curp += two(std::uniform_int_distribution<int>(1, 12)(random_));
  curp += two(std::uniform_int_distribution<int>(1, 28)(random_));  // a calendar day in every month
  curp += pick("HM");
  curp += kStates[std::uniform_int_distribution<std::size_t>(0, kStates.size() - 1)(random_)];
  curp += pick(kConsonants);
  curp += pick(kConsonants);
  curp += pick(kConsonants);
  curp += pick("0123456789");
  curp += static_cast<char>('0' + ine::curp_check_digit(curp).value());
  if (!ine::is_curp(curp)) {
    throw std::logic_error("the CURP generator made an invalid CURP");
  }
  return CurpRow{curp, status};
}

CurpRow SyntheticCurps::next() {
  int roll = std::uniform_int_distribution<int>(0, 999)(random_);
  for (const auto& weight : kStatusSpread) {
    if (roll < weight.per_mille) {
      return make(weight.status);
    }
    roll -= weight.per_mille;
  }
  return make(1);
}

LocalCurpRegistry::LocalCurpRegistry(store::Store& store, CurpKeys keys)
    : store_(store),
      keys_(std::move(keys)),
      current_id_(curp_key_id(keys_.current)),
      previous_id_(keys_.previous ? curp_key_id(keys_.previous) : std::string()) {}

void LocalCurpRegistry::ask(const Lookup& lookup, Done done) {
  const std::string_view canonical = single_form(lookup).canonical;
  if (!canonical.starts_with(kCurpFormPrefix)) {
    throw std::logic_error("the CURP registry asks CURP lookup forms only");
  }
  const CurpHash* hash = &keys_.current;
  if (const auto key_id = store_.find_snapshot_key_id(store::kCurpSnapshot); key_id && *key_id != current_id_) {
    if (previous_id_.empty() || *key_id != previous_id_) {
      done(LookupOutcome::unavailable(
          LookupOutcome::Cause::kTransient,
          "the RENAPO snapshot was imported under another master key: import it again (registry import-curp)"));
      return;
    }
    hash = &keys_.previous;
  }
  const auto status = store_.find_curp_registry_status((*hash)(canonical.substr(kCurpFormPrefix.size())));
  auto outcome = LookupOutcome::verdict(status.value_or(ine::kCurpNotFound));
  outcome.snapshot_at_ms = store_.find_snapshot_date(store::kCurpSnapshot);
  done(std::move(outcome));
}

}  // namespace inereg::registry
