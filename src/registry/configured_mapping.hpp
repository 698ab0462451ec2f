#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/upstream_mapping.hpp"

// A vendor's HTTP API described as data (docs/UPSTREAM.md, "Mappings"): request body
// templates per lookup form and where the verdict is in the answer. inereg's own
// protocol and the shipped vendor presets are such descriptions; an operator writes
// another in the config file ([source.NAME], config/config.cpp).
namespace inereg::registry {

// Where a verdict field's values come from, after the field's own `values` table.
enum class Codebook {
  kNone,          // only the field's `values` table
  kSituations,    // catalog ids (1, "21") and names ("VIGENTE") of ine-domain.md §5.4
  kMessageCodes,  // the vendors' claveMensaje codes of §5.5 (ine/message_codes.hpp)
  kCurpStatuses,  // RENAPO's statusCurp codes (ine/curp_status.hpp); JSON null: no record
};

// One place in the answer that may carry the verdict.
struct VerdictField {
  // Object members and array indexes separated by '.': "data.0.estado".
  std::string at;
  Codebook codes = Codebook::kNone;
  // Values looked up first, compared trimmed and in any letter case (numbers and
  // booleans as their JSON text): a catalog situation, or nullopt for "no verdict".
  std::map<std::string, std::optional<int>> values;
};

// How a vendor is asked and read. Body templates are JSON with ${cic}, ${citizen_id},
// ${ocr}, ${elector_key}, ${emission_number} (INE) or ${curp} (CURP) placeholders,
// filled JSON-escaped. A spec describes an INE source (body_eh, body_d, body_c; verdicts
// are catalog situations) or a CURP source (body_curp; verdicts are RENAPO status ids,
// ine/curp_status.hpp), never both.
struct MappingSpec {
  std::string auth_header;  // the header auth_value travels in, unless the source names one
  std::string body_eh;      // models E–H: CIC + identificador del ciudadano
  std::string body_d;       // model D: CIC + OCR
  std::string body_c;       // model C: clave de elector + número de emisión + OCR
  // Tried in order; the first field present in a 200 application/json answer decides.
  // A value it does not know, or no field present, is no verdict.
  std::vector<VerdictField> verdict;
  std::string body_curp = {};  // a CURP source: the CURP alone
};

// The shipped descriptions: "inereg" (docs/UPSTREAM.md), "nufi", "nubarium", "didit";
// "inereg_curp", inereg's CURP protocol (a CURP source).
std::optional<MappingSpec> preset_mapping(std::string_view name);
const std::vector<std::string>& preset_names();

// What is wrong with a description ("" when nothing): a missing or non-JSON template, an
// unknown placeholder, no verdict field, a value naming a situation (a CURP status, for a
// CURP source) outside the catalog.
std::string mapping_problem(const MappingSpec& spec);

// A catalog situation by id ("21") or name ("VIGENTE"); nullopt outside the catalog.
std::optional<int> catalog_situation(std::string_view id_or_name);

// The UpstreamMapping a description defines. Pure and thread-safe.
class ConfiguredMapping final : public UpstreamMapping {
 public:
  // Precondition: mapping_problem(spec) is "" (checked when the config is loaded).
  explicit ConfiguredMapping(MappingSpec spec);
  // Whether the spec describes a CURP source (body_curp) rather than an INE one.
  static bool is_curp(const MappingSpec& spec) { return !spec.body_curp.empty(); }
  std::string request_body(const ine::LookupKey& form) const override;
  LookupOutcome read_reply(const UpstreamReply& reply) const override;

 private:
  MappingSpec spec_;
};

}  // namespace inereg::registry
