#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <random>
#include <string>
#include <string_view>
#include <variant>

#include "registry/connector.hpp"
#include "registry/registry_import.hpp"
#include "store/store.hpp"

// The local RENAPO snapshot (issue 16): its CSV file, the synthetic generator, the
// import, and the source that answers CURP lookups from it. The snapshot never holds a
// CURP in clear: each row is keyed by the CURP's keyed hash (HMAC-SHA256 under a key
// derived from the master key, app::curp_registry_hash), so a copy of the table reveals
// nothing without the master key and the same CURP maps to the same key only within
// one deployment.
namespace inereg::registry {

// Maps a CURP to its snapshot key (lowercase hex). Thread-safe.
using CurpHash = std::function<std::string(std::string_view curp)>;

// The keys a snapshot may be keyed under: the master key's, and during a master key
// rotation the previous master key's (empty outside one).
struct CurpKeys {
  CurpHash current;
  CurpHash previous;
};

// Names the key of `hash` without revealing it (a hash of a text that is never a CURP).
// Each import records it (Store::set_snapshot_key_id), so lookups know which key the
// snapshot was made under.
std::string curp_key_id(const CurpHash& hash);

inline constexpr std::string_view kCurpCsvHeader = "curp,statusCurp";

struct CurpRow {
  std::string curp;
  int status = 1;  // ine::CurpStatus id
};

// A row, or a message saying what is wrong with the line (never echoing its values):
// a valid CURP (check digit included) and a catalog code (veriff-api.md §4.2).
std::variant<CurpRow, std::string> parse_curp_line(std::string_view line);
std::string format_curp_row(const CurpRow& row);

// Loads a CURP CSV into the store's snapshot in batches, keyed by `hash`, and records
// the date and the key id.
ImportReport import_curp_registry(store::Store& store, std::istream& input, const CurpHash& hash,
                                  const std::function<void(std::int64_t)>& on_progress = {});

// Synthetic CURPs with valid formats and RENAPO check digits, for demos, tests and
// benchmarks. Not thread-safe; deterministic for a seed.
class SyntheticCurps {
 public:
  explicit SyntheticCurps(std::uint64_t seed) : random_(seed) {}
  // A record whose status follows a realistic spread (mostly active).
  CurpRow next();
  // A valid CURP with the given status.
  CurpRow make(int status);

 private:
  std::mt19937_64 random_;
};

// A CURP source answering from the snapshot: one kCurp lookup form; no row is RENAPO's
// "no record" (ine::kCurpNotFound). Answers inline: a local point read takes
// microseconds. The CURP is hashed under the key the snapshot was made under (its
// recorded key id): the current one or, during a rotation, the previous one; a snapshot
// of any other key answers unavailable — a CURP is never "not found" because the master
// key changed. A snapshot imported before key ids were recorded is taken as the current
// key's.
class LocalCurpRegistry final : public RegistryConnector {
 public:
  LocalCurpRegistry(store::Store& store, CurpKeys keys);
  void ask(const Lookup& lookup, Done done) override;

 private:
  store::Store& store_;
  const CurpKeys keys_;
  const std::string current_id_;
  const std::string previous_id_;  // empty without a previous key
};

}  // namespace inereg::registry
