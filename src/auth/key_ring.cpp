#include "auth/key_ring.hpp"

namespace inereg::auth {
namespace {

constexpr std::size_t kKeyIdChars = 16;

// HMAC-SHA256 of a purpose label under the master key (a PRF, as the other purpose keys
// of the master key are derived: answer, cache and session-token keys).
SecretBox key_encryption_key(const SecretBox& master) {
  return *SecretBox::from_hex(master.keyed_hash_hex("inereg session data key-encryption key"));
}

std::string bound_to(std::string_view session_id) {
  return "session_keys:" + std::string(session_id);
}

}  // namespace

std::string master_key_id(const SecretBox& master) {
  return master.keyed_hash_hex("inereg master key id").substr(0, kKeyIdChars);
}

KeyRing::KeyRing(const SecretBox& master, const std::optional<SecretBox>& previous)
    : current_(key_encryption_key(master)), current_id_(master_key_id(master)) {
  if (previous) {
    previous_ = key_encryption_key(*previous);
    previous_id_ = master_key_id(*previous);
  }
}

std::pair<DataKey, SealedDataKey> KeyRing::new_data_key(std::string_view session_id) const {
  const std::string key_hex = random_master_key_hex();
  SealedDataKey sealed{current_id_, current_.seal(key_hex, bound_to(session_id))};
  return {DataKey(*SecretBox::from_hex(key_hex)), std::move(sealed)};
}

std::optional<DataKey> KeyRing::open(std::string_view session_id, const SealedDataKey& sealed) const {
  const SecretBox* kek = nullptr;
  if (sealed.key_id == current_id_) {
    kek = &current_;
  } else if (previous_ && sealed.key_id == previous_id_) {
    kek = &*previous_;
  }
  if (kek == nullptr) {
    return std::nullopt;
  }
  const auto key_hex = kek->open(sealed.sealed, bound_to(session_id));
  if (!key_hex) {
    return std::nullopt;
  }
  const auto box = SecretBox::from_hex(*key_hex);
  if (!box) {
    return std::nullopt;
  }
  return DataKey(*box);
}

std::optional<SealedDataKey> KeyRing::reseal(std::string_view session_id, const SealedDataKey& sealed) const {
  if (sealed.key_id == current_id_) {
    return sealed;
  }
  const SecretBox* kek = previous_ && sealed.key_id == previous_id_ ? &*previous_ : nullptr;
  if (kek == nullptr) {
    return std::nullopt;
  }
  const auto key_hex = kek->open(sealed.sealed, bound_to(session_id));
  if (!key_hex) {
    return std::nullopt;
  }
  return SealedDataKey{current_id_, current_.seal(*key_hex, bound_to(session_id))};
}

}  // namespace inereg::auth
