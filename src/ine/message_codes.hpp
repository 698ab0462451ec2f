#pragma once

#include <optional>
#include <string_view>

namespace inereg::ine {

// What a vendor "claveMensaje" (ine-domain.md §5.5) says about a credential.
struct MessageCodeMeaning {
  // The catalog situation (§5.4) the code stands for, so that its answer comes from the
  // one policy table (policy_for_situation); nullopt when the code is not a verdict
  // (4: the INE service failed).
  std::optional<int> situation;
};

// nullopt for a code outside the vendor catalog: an unknown code is not a verdict.
std::optional<MessageCodeMeaning> meaning_of_message_code(int code);

// The catalog id of a situation name ("VIGENTE"), or nullopt for a name outside it.
std::optional<int> situation_by_name(std::string_view name);

}  // namespace inereg::ine
