#include "auth/answer_box.hpp"

namespace inereg::auth {
namespace {

// A purpose key, as the cache and session-token keys are: the master key itself seals
// only integration secrets, so a leak of one purpose's key opens nothing else.
SecretBox answer_key(const SecretBox& master) {
  return *SecretBox::from_hex(master.keyed_hash_hex("inereg registry answer key"));
}

std::string bound_to(std::string_view session_id) {
  return "ine_results:" + std::string(session_id);
}

}  // namespace

AnswerBox::AnswerBox(const SecretBox& master) : box_(answer_key(master)) {}

std::string AnswerBox::seal(std::string_view session_id, std::string_view answer) const {
  return answer.empty() ? std::string() : box_.seal(answer, bound_to(session_id));
}

std::optional<std::string> AnswerBox::open(std::string_view session_id, std::string_view sealed) const {
  return box_.open(sealed, bound_to(session_id));
}

}  // namespace inereg::auth
