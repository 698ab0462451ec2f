#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace inereg::auth {

// Encrypts shared secrets at rest with AES-256-GCM under the operator's master key.
// Sealed form: lowercase hex of nonce(12) ‖ ciphertext ‖ tag(16). Immutable after
// construction; safe to share between threads.
class SecretBox {
 public:
  // `master_key_hex` must be 64 hex characters; nullopt otherwise.
  static std::optional<SecretBox> from_hex(std::string_view master_key_hex);

  // `associated_data` is authenticated, not stored: open() must be given the same (it
  // binds a sealed value to its row, so it cannot be moved to another).
  std::string seal(std::string_view plaintext, std::string_view associated_data = {}) const;
  // nullopt when the sealed text was not made with this key and associated data, or was altered.
  std::optional<std::string> open(std::string_view sealed_hex, std::string_view associated_data = {}) const;

  // As seal/open, in binary: nonce(12) ‖ ciphertext ‖ tag(16), no hex (media bytes).
  std::string seal_bytes(std::string_view plaintext, std::string_view associated_data = {}) const;
  std::optional<std::string> open_bytes(std::string_view sealed, std::string_view associated_data = {}) const;

  // Keyed hash for correlating personal data without storing or logging it.
  std::string keyed_hash_hex(std::string_view value) const;

  // During a master key rotation (`inereg keys rotate`): this box seals under its own
  // key and opens what either key sealed. Derived keys (keyed_hash_hex) stay the current
  // key's.
  SecretBox with_previous(const SecretBox& previous) const;
  // The previous key's box during a rotation (for keys derived from it: snapshots keyed
  // under the previous key still answer until they are imported again); nullopt outside one.
  std::optional<SecretBox> previous() const;

 private:
  explicit SecretBox(const std::array<unsigned char, 32>& key) : key_(key) {}
  std::array<unsigned char, 32> key_;
  std::optional<std::array<unsigned char, 32>> previous_;
};

// A random 32-byte key as 64 hex characters (what `--demo` uses when none is set).
std::string random_master_key_hex();

// A random UUID v4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"), from OpenSSL's CSPRNG.
std::string random_uuid_v4();

// A UUID in v4 form whose first 48 bits are `unix_ms` (big-endian, so the text sorts by
// time) and whose other 74 free bits are random: the ids of records looked up by id
// (sessions, media). With random ids each insert landed on a page of its own in every
// index on them (~2.4 pages written per created session in a group commit); ids made close
// in time share the indexes' last pages (the "COMB" layout; bench/README.md, "Time-ordered
// ids"). It stays a v4 in form because Veriff's clients validate that (error 1002, "must
// be a valid UUID V4"); 74 random bits keep it unguessable, and a session id is no bearer
// secret (the verification page's URL carries a signed token instead).
std::string time_ordered_uuid_v4(std::int64_t unix_ms);

// True for the canonical 8-4-4-4-12 hex UUID text (any version, either case).
bool is_uuid(std::string_view text);

}  // namespace inereg::auth
