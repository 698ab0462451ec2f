#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/secret_box.hpp"

namespace inereg::auth {

// Seals the registry's answer kept with a session's result (registry::LookupOutcome::
// answer; it may carry personal data) under a key of its own derived from the master
// key, bound to the session it belongs to: a sealed answer copied to another session's
// row does not open. Only `inereg registry answer` opens them; nothing logs them.
// Immutable; safe to share between threads.
class AnswerBox {
 public:
  explicit AnswerBox(const SecretBox& master);

  // "" for an empty answer (nothing kept), else the sealed hex text.
  std::string seal(std::string_view session_id, std::string_view answer) const;
  // nullopt when `sealed` is not this deployment's answer of this session.
  std::optional<std::string> open(std::string_view session_id, std::string_view sealed) const;

 private:
  SecretBox box_;
};

}  // namespace inereg::auth
