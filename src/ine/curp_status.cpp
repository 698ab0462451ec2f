#include "ine/curp_status.hpp"

#include <algorithm>
#include <array>

namespace inereg::ine {
namespace {

// Codes and meanings as Veriff documents them (veriff-api.md §4.2); the descriptions
// are written like the CURP webhook sample's ("Registro de cambio no afectando a curp").
constexpr std::array kStatuses = {
    CurpStatus{1, "AN", "Alta normal", true},
    CurpStatus{2, "AH", "Alta con homonimia", true},
    CurpStatus{3, "CRA CU", "Curp reactivada", true},
    CurpStatus{4, "RCN", "Registro de cambio no afectando a curp", true},
    CurpStatus{5, "RCC", "Registro de cambio afectando a curp", true},
    CurpStatus{6, "BD", "Baja por defuncion", false},
    CurpStatus{7, "BDA", "Baja por duplicidad", false},
    CurpStatus{8, "BCC", "Baja por cambio en curp", false},
    CurpStatus{9, "BCN", "Baja no afectando a curp", false},
};

}  // namespace

std::span<const CurpStatus> curp_statuses() {
  return kStatuses;
}

std::optional<CurpStatus> curp_status_by_id(int id) {
  const auto it = std::find_if(kStatuses.begin(), kStatuses.end(), [id](const CurpStatus& s) { return s.id == id; });
  return it == kStatuses.end() ? std::nullopt : std::optional(*it);
}

std::optional<CurpStatus> curp_status_by_code(std::string_view code) {
  const auto it =
      std::find_if(kStatuses.begin(), kStatuses.end(), [code](const CurpStatus& s) { return s.code == code; });
  return it == kStatuses.end() ? std::nullopt : std::optional(*it);
}

}  // namespace inereg::ine
