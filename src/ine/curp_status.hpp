#pragma once

#include <optional>
#include <span>
#include <string_view>

// RENAPO's CURP status catalog (veriff-api.md §4.2): what a CURP check answers. Pure
// data, no I/O.
namespace inereg::ine {

struct CurpStatus {
  int id;                        // inereg's catalog id: a registry source's verdict (LookupOutcome::situation)
  std::string_view code;         // `statusCurp` as Veriff sends it, e.g. "RCN", "CRA CU"
  std::string_view description;  // the CURP webhook's `details.description`
  bool active;                   // an active CURP (Alta, reactivation, change records) or a Baja
};

// The verdict of a CURP source that found no record for the CURP: `statusCurp` null.
inline constexpr int kCurpNotFound = 0;

// The one catalog, in id order: AN, AH, CRA CU, RCN, RCC (active); BD, BDA, BCC, BCN.
std::span<const CurpStatus> curp_statuses();

// nullopt for an id outside the catalog (kCurpNotFound included).
std::optional<CurpStatus> curp_status_by_id(int id);
// nullopt for a code outside the catalog.
std::optional<CurpStatus> curp_status_by_code(std::string_view code);

}  // namespace inereg::ine
