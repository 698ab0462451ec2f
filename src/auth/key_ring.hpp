#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/secret_box.hpp"

namespace inereg::auth {

// A session's data key (issue 15): a random 256-bit AES-GCM key that seals the session's
// personal data and nothing else. It lives in memory only while a value is sealed or
// opened; at rest it exists only sealed (SealedDataKey), so destroying that one row makes
// every copy of the session's values unreadable (crypto-shredding). Immutable.
class DataKey {
 public:
  // Hex text (TEXT columns); `bound_to` is the value's associated data: its table, row
  // and column, so a sealed value moved to another row or column does not open.
  std::string seal(std::string_view plain, std::string_view bound_to) const { return box_.seal(plain, bound_to); }
  std::optional<std::string> open(std::string_view sealed, std::string_view bound_to) const {
    return box_.open(sealed, bound_to);
  }
  // Binary (BLOB columns: media bytes).
  std::string seal_bytes(std::string_view plain, std::string_view bound_to) const {
    return box_.seal_bytes(plain, bound_to);
  }
  std::optional<std::string> open_bytes(std::string_view sealed, std::string_view bound_to) const {
    return box_.open_bytes(sealed, bound_to);
  }

 private:
  friend class KeyRing;
  explicit DataKey(const SecretBox& box) : box_(box) {}
  SecretBox box_;
};

// A data key as stored: sealed under the key-encryption key of the master key named by
// `key_id` (the session_keys row).
struct SealedDataKey {
  std::string key_id;
  std::string sealed;
};

// The key-encryption keys: derived from the master key (and, during a rotation, from the
// previous one), never the master key itself, so a leak of one purpose's key opens
// nothing else. Each master key is named by its key id, a short keyed fingerprint
// (16 hex), stored beside each sealed data key: a rotation knows which rows are left,
// and a reader which key opens a row. Immutable; safe to share between threads.
class KeyRing {
 public:
  explicit KeyRing(const SecretBox& master, const std::optional<SecretBox>& previous = std::nullopt);

  const std::string& current_key_id() const { return current_id_; }
  // A fresh random data key for `session_id`, and its sealed form under the current key.
  std::pair<DataKey, SealedDataKey> new_data_key(std::string_view session_id) const;
  // nullopt when `sealed` is not a data key of `session_id` under a key this ring holds.
  std::optional<DataKey> open(std::string_view session_id, const SealedDataKey& sealed) const;
  // The same data key sealed under the current master key; nullopt as open().
  std::optional<SealedDataKey> reseal(std::string_view session_id, const SealedDataKey& sealed) const;

 private:
  SecretBox current_;
  std::string current_id_;
  std::optional<SecretBox> previous_;
  std::string previous_id_;
};

// The key id of a master key: a short keyed fingerprint that reveals nothing of it.
std::string master_key_id(const SecretBox& master);

}  // namespace inereg::auth
