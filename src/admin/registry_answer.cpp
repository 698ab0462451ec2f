#include "admin/registry_answer.hpp"

namespace inereg::admin {

std::optional<ShownAnswer> show_registry_answer(store::Store& store, const auth::AnswerBox& answers,
                                                std::string_view session_id) {
  const auto recorded = store.find_registry_answer(session_id);
  if (!recorded) {
    return std::nullopt;
  }
  ShownAnswer shown{recorded->source, recorded->checked_at, std::nullopt, false};
  if (!recorded->sealed_answer.empty()) {
    shown.answer = answers.open(session_id, recorded->sealed_answer);
    shown.unreadable = !shown.answer;
  }
  return shown;
}

}  // namespace inereg::admin
