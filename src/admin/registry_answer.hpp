#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/answer_box.hpp"
#include "store/store.hpp"

namespace inereg::admin {

// What the registry said for a session's result, opened for the operator.
struct ShownAnswer {
  std::string source;  // the source that answered ("" for results recorded before sources were)
  store::TimeMs checked_at = 0;
  std::optional<std::string> answer;  // nullopt: none kept (the local snapshot has none)
  bool unreadable = false;            // kept, but not openable with this master key
};

// nullopt when the session has no registry result. The answer may carry personal data:
// the caller shows it to the operator who asked and nowhere else.
std::optional<ShownAnswer> show_registry_answer(store::Store& store, const auth::AnswerBox& answers,
                                                std::string_view session_id);

}  // namespace inereg::admin
