#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace inereg::ine {

// A registry situation (ine-domain.md §5.4 catalog id) and what inereg answers for it.
struct SituationPolicy {
  int id;
  std::string_view name;            // catalog name, e.g. "VIGENTE"
  bool active;                      // the ine-registry `active` flag
  std::string_view document_state;  // the ine-registry `documentState`, byte-exact UTF-8
};

inline constexpr int kSituationVigente = 1;
inline constexpr int kSituationNotFound = 21;  // DATOS_NO_ENCONTRADOS

// The one policy table: every catalog situation, in id order.
std::span<const SituationPolicy> situation_policies();

// nullopt for an id outside the catalog: an unknown situation is not a verdict.
std::optional<SituationPolicy> policy_for_situation(int situation_id);

}  // namespace inereg::ine
