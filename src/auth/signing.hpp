#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Veriff's request/response signatures (veriff-api.md §2). Pure functions; thread-safe.
namespace inereg::auth {

// HMAC-SHA256 under one secret with its key already processed (RFC 2104): the SHA-256
// states after the inner and outer padded key blocks, computed once per secret. A
// signature then costs the message's compressions and one more: no key setup, no
// algorithm fetch, no MAC context made and freed (the one-shot HMAC of OpenSSL 3 did
// all three per call; two calls per GET showed in the profile of the hot path).
// Immutable once made; sign() is thread-safe (each call continues copies of the states
// in a context of the calling thread's own). Throws std::runtime_error if OpenSSL fails.
class HmacKey {
 public:
  static constexpr std::size_t kSize = 32;
  using Digest = std::array<unsigned char, kSize>;

  explicit HmacKey(std::string_view secret);
  ~HmacKey();
  HmacKey(HmacKey&& other) noexcept;
  HmacKey& operator=(HmacKey&& other) noexcept;
  // A copy has states of its own (a thread's copy of an integration: no state shared
  // between threads) and signs as the original: it keeps its serial.
  HmacKey(const HmacKey& other);
  HmacKey& operator=(const HmacKey&) = delete;

  Digest sign(std::string_view message) const;
  // lowercase_hex(sign(message)): equal to hmac_sha256_hex(secret, message). A message of
  // at most kMemoizedBytes is first looked up in the calling thread's memo of the last
  // ones this key signed, compared whole: a response body is signed with it, and a
  // cached GET answers one of a few bodies (bench/README.md, "Thirteenth session").
  std::string sign_hex(std::string_view message) const;

  static constexpr std::size_t kMemoizedBytes = 120;

 private:
  struct States;
  std::unique_ptr<States> states_;
  std::uint64_t serial_;  // this key's alone, never reused: what the memo knows it by
};

// The raw 32-byte HMAC-SHA256(key = secret, msg = message).
std::string hmac_sha256(std::string_view secret, std::string_view message);

// lowercase_hex(HMAC-SHA256(key = secret, msg = message)): X-HMAC-SIGNATURE.
std::string hmac_sha256_hex(std::string_view secret, std::string_view message);

// SHA256(message ‖ secret): the legacy X-SIGNATURE scheme.
HmacKey::Digest legacy_sha256(std::string_view message, std::string_view secret);
// lowercase_hex(legacy_sha256(message, secret)).
std::string legacy_sha256_hex(std::string_view message, std::string_view secret);

// True when `candidate` has the shape of a SHA-256 hex digest (64 hex digits, any case).
bool is_sha256_hex(std::string_view candidate);

// Every received signature is checked here, against the digest expected: raw bytes
// compared in constant time (a session token's signature)...
bool digest_matches(std::string_view received, const HmacKey::Digest& expected);
// ...or hex in either case, decoded first (the request headers): no hex string of the
// expected digest is made.
bool signature_matches(std::string_view received_hex, const HmacKey::Digest& expected);

// A request signature computed over a body fed in pieces, in order, as it arrives:
// X-HMAC-SIGNATURE (HMAC-SHA256 under each candidate secret: one OpenSSL MAC context per
// secret, so a secret rotation costs no second pass) or the legacy X-SIGNATURE
// (SHA-256(body ‖ secret): one digest of the body, finished per secret). Equal to
// hmac_sha256_hex / legacy_sha256_hex of the concatenated pieces. Not thread-safe: one
// request's reader feeds it, then its handler asks match() once.
class StreamingSignature {
 public:
  enum class Scheme { kHmac, kLegacy };
  // `secrets` in the order they are tried (newest first). Throws std::runtime_error if
  // OpenSSL cannot set up a context.
  StreamingSignature(Scheme scheme, std::vector<std::string> secrets);
  ~StreamingSignature();
  StreamingSignature(const StreamingSignature&) = delete;
  StreamingSignature& operator=(const StreamingSignature&) = delete;

  void update(std::string_view piece);
  // How many bytes were fed.
  std::size_t bytes() const { return bytes_; }
  // The index of the first secret whose signature over everything fed matches
  // `received_hex` (constant-time compare, any hex case); nullopt if none does. Ends the
  // computation: call once, after the last update().
  std::optional<std::size_t> match(std::string_view received_hex);

 private:
  struct Contexts;
  const Scheme scheme_;
  const std::vector<std::string> secrets_;
  std::unique_ptr<Contexts> contexts_;
  std::size_t bytes_ = 0;
  bool finished_ = false;
};

}  // namespace inereg::auth
