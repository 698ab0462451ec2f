#include "ine/message_codes.hpp"

#include <algorithm>
#include <array>

#include "ine/situation.hpp"

namespace inereg::ine {
namespace {

struct CodeRow {
  int code;
  std::optional<int> situation;
};

// The vendor codes mapped onto catalog situations as ine-domain.md §9 proposes:
// - 3 (vigente), 11 (valid only as ID) and 9 (valid ID, voting suspended) are a card that
//   still identifies its holder: VIGENTE. 12 (valid for a foreign resident) is
//   RESIDENTE_EXTRANJERO, which the catalog also counts as vigente.
// - 0 (invalid or does not exist) and 5–8 (an input the registry did not recognise) are
//   the registry's "not found": the data do not match a record of the lista nominal.
// - 1 (expired) is a card that lost its vigencia (catalog 11).
// - 4 is the INE service failing: not a verdict about the card.
constexpr std::array kCodes = {
    CodeRow{0, kSituationNotFound},
    CodeRow{1, 11},
    CodeRow{3, kSituationVigente},
    CodeRow{4, std::nullopt},
    CodeRow{5, kSituationNotFound},
    CodeRow{6, kSituationNotFound},
    CodeRow{7, kSituationNotFound},
    CodeRow{8, kSituationNotFound},
    CodeRow{9, kSituationVigente},
    CodeRow{11, kSituationVigente},
    CodeRow{12, 3},
};

}  // namespace

std::optional<MessageCodeMeaning> meaning_of_message_code(int code) {
  const auto it = std::find_if(kCodes.begin(), kCodes.end(), [&](const CodeRow& row) { return row.code == code; });
  if (it == kCodes.end()) {
    return std::nullopt;
  }
  return MessageCodeMeaning{it->situation};
}

std::optional<int> situation_by_name(std::string_view name) {
  for (const auto& policy : situation_policies()) {
    if (policy.name == name) {
      return policy.id;
    }
  }
  return std::nullopt;
}

}  // namespace inereg::ine
