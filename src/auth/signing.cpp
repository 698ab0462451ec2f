#include "auth/signing.hpp"

#include "util/hex.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>

namespace inereg::auth {

namespace {

const EVP_MD* sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct MdContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using MdContext = std::unique_ptr<EVP_MD_CTX, MdContextFree>;

// The calling thread's context in which HmacKey::sign continues the shared states.
EVP_MD_CTX* scratch_context() {
  thread_local const MdContext scratch(EVP_MD_CTX_new());
  return scratch.get();
}

constexpr std::size_t kBlockSize = 64;  // SHA-256's block

std::uint64_t next_key_serial() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// The calling thread's memo of short messages signed (HmacKey::sign_hex): a few slots,
// each a key's serial, a whole message and its signature, the slot chosen by the
// message's hash. A signature is public (it travels in a header), and a hit or a miss
// tells nothing of the key.
class SignatureMemo {
 public:
  static SignatureMemo& of_this_thread() {
    thread_local SignatureMemo memo;
    return memo;
  }
  const std::string* find(std::uint64_t key, std::string_view message) const {
    const Slot& slot = slots_[slot_of(message)];
    return slot.key == key && slot.message == message ? &slot.hex : nullptr;
  }
  void keep(std::uint64_t key, std::string_view message, const std::string& hex) {
    Slot& slot = slots_[slot_of(message)];
    slot.key = key;
    slot.message.assign(message);
    slot.hex = hex;
  }

 private:
  struct Slot {
    std::uint64_t key = 0;  // no key has serial 0
    std::string message;
    std::string hex;
  };
  static constexpr std::size_t kSlots = 8;
  static std::size_t slot_of(std::string_view message) { return std::hash<std::string_view>{}(message) % kSlots; }
  std::array<Slot, kSlots> slots_;
};

}  // namespace

struct HmacKey::States {
  MdContext inner{EVP_MD_CTX_new()};  // SHA-256 after (key XOR ipad)
  MdContext outer{EVP_MD_CTX_new()};  // SHA-256 after (key XOR opad)
};

HmacKey::HmacKey(std::string_view secret) : states_(std::make_unique<States>()), serial_(next_key_serial()) {
  std::array<unsigned char, kBlockSize> key{};
  bool ok = sha256() != nullptr && states_->inner && states_->outer;
  if (ok && secret.size() > key.size()) {
    ok = EVP_Digest(secret.data(), secret.size(), key.data(), nullptr, sha256(), nullptr) == 1;  // RFC 2104 §2
  } else if (ok) {
    std::copy(secret.begin(), secret.end(), key.begin());
  }
  std::array<unsigned char, kBlockSize> pad{};
  for (std::size_t i = 0; ok && i < key.size(); ++i) {
    pad[i] = static_cast<unsigned char>(key[i] ^ 0x36U);
  }
  ok = ok && EVP_DigestInit_ex(states_->inner.get(), sha256(), nullptr) == 1 &&
       EVP_DigestUpdate(states_->inner.get(), pad.data(), pad.size()) == 1;
  for (std::size_t i = 0; ok && i < key.size(); ++i) {
    pad[i] = static_cast<unsigned char>(key[i] ^ 0x5cU);
  }
  ok = ok && EVP_DigestInit_ex(states_->outer.get(), sha256(), nullptr) == 1 &&
       EVP_DigestUpdate(states_->outer.get(), pad.data(), pad.size()) == 1;
  OPENSSL_cleanse(key.data(), key.size());
  OPENSSL_cleanse(pad.data(), pad.size());
  if (!ok) {
    throw std::runtime_error("HMAC-SHA256 key setup failed");
  }
}

HmacKey::HmacKey(const HmacKey& other) : states_(std::make_unique<States>()), serial_(other.serial_) {
  if (!states_->inner || !states_->outer || EVP_MD_CTX_copy_ex(states_->inner.get(), other.states_->inner.get()) != 1 ||
      EVP_MD_CTX_copy_ex(states_->outer.get(), other.states_->outer.get()) != 1) {
    throw std::runtime_error("HMAC-SHA256 key copy failed");
  }
}

HmacKey::~HmacKey() = default;
HmacKey::HmacKey(HmacKey&& other) noexcept = default;
HmacKey& HmacKey::operator=(HmacKey&& other) noexcept = default;

HmacKey::Digest HmacKey::sign(std::string_view message) const {
  EVP_MD_CTX* context = scratch_context();
  Digest inner{};
  Digest outer{};
  unsigned int length = 0;
  const bool ok = context != nullptr && EVP_MD_CTX_copy_ex(context, states_->inner.get()) == 1 &&
                  EVP_DigestUpdate(context, message.data(), message.size()) == 1 &&
                  EVP_DigestFinal_ex(context, inner.data(), &length) == 1 && length == kSize &&
                  EVP_MD_CTX_copy_ex(context, states_->outer.get()) == 1 &&
                  EVP_DigestUpdate(context, inner.data(), inner.size()) == 1 &&
                  EVP_DigestFinal_ex(context, outer.data(), &length) == 1 && length == kSize;
  if (!ok) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return outer;
}

std::string HmacKey::sign_hex(std::string_view message) const {
  const bool memoized = message.size() <= kMemoizedBytes;
  if (memoized) {
    if (const std::string* kept = SignatureMemo::of_this_thread().find(serial_, message)) {
      return *kept;
    }
  }
  const Digest digest = sign(message);
  std::string hex = util::to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  if (memoized) {
    SignatureMemo::of_this_thread().keep(serial_, message, hex);
  }
  return hex;
}

std::string hmac_sha256(std::string_view secret, std::string_view message) {
  const HmacKey::Digest digest = HmacKey(secret).sign(message);
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view message) {
  return util::to_hex(hmac_sha256(secret, message));
}

HmacKey::Digest legacy_sha256(std::string_view message, std::string_view secret) {
  HmacKey::Digest digest{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, message.data(), message.size()) == 1 &&
                  EVP_DigestUpdate(ctx, secret.data(), secret.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, digest.data(), nullptr) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    throw std::runtime_error("SHA-256 failed");
  }
  return digest;
}

std::string legacy_sha256_hex(std::string_view message, std::string_view secret) {
  const HmacKey::Digest digest = legacy_sha256(message, secret);
  return util::to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

bool is_sha256_hex(std::string_view candidate) {
  if (candidate.size() != 64) {
    return false;
  }
  for (const char c : candidate) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) {
      return false;
    }
  }
  return true;
}

bool digest_matches(std::string_view received, const HmacKey::Digest& expected) {
  return received.size() == expected.size() && CRYPTO_memcmp(received.data(), expected.data(), expected.size()) == 0;
}

bool signature_matches(std::string_view received_hex, const HmacKey::Digest& expected) {
  HmacKey::Digest received{};
  return util::from_hex_into(received_hex, received) &&
         digest_matches(std::string_view(reinterpret_cast<const char*>(received.data()), received.size()), expected);
}

struct StreamingSignature::Contexts {
  std::vector<EVP_MAC_CTX*> macs;  // kHmac: one per secret
  EVP_MD_CTX* digest = nullptr;    // kLegacy: SHA-256 of the body so far
  ~Contexts() {
    for (auto* mac : macs) {
      EVP_MAC_CTX_free(mac);
    }
    EVP_MD_CTX_free(digest);
  }
};

StreamingSignature::StreamingSignature(Scheme scheme, std::vector<std::string> secrets)
    : scheme_(scheme), secrets_(std::move(secrets)), contexts_(std::make_unique<Contexts>()) {
  if (scheme_ == Scheme::kLegacy) {
    contexts_->digest = EVP_MD_CTX_new();
    if (contexts_->digest == nullptr || EVP_DigestInit_ex(contexts_->digest, EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("SHA-256 failed");
    }
    return;
  }
  static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  static char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  for (const auto& secret : secrets_) {
    EVP_MAC_CTX* mac = hmac ? EVP_MAC_CTX_new(hmac) : nullptr;
    if (mac == nullptr) {
      throw std::runtime_error("HMAC-SHA256 failed");
    }
    contexts_->macs.push_back(mac);
    if (EVP_MAC_init(mac, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params) != 1) {
      throw std::runtime_error("HMAC-SHA256 failed");
    }
  }
}

StreamingSignature::~StreamingSignature() = default;

void StreamingSignature::update(std::string_view piece) {
  if (finished_ || piece.empty()) {
    return;
  }
  bytes_ += piece.size();
  const auto* data = reinterpret_cast<const unsigned char*>(piece.data());
  bool ok = true;
  if (scheme_ == Scheme::kLegacy) {
    ok = EVP_DigestUpdate(contexts_->digest, data, piece.size()) == 1;
  } else {
    for (auto* mac : contexts_->macs) {
      ok = ok && EVP_MAC_update(mac, data, piece.size()) == 1;
    }
  }
  if (!ok) {
    throw std::runtime_error("signature update failed");
  }
}

std::optional<std::size_t> StreamingSignature::match(std::string_view received_hex) {
  if (finished_) {
    throw std::logic_error("StreamingSignature::match called twice");
  }
  finished_ = true;
  std::optional<std::size_t> matched;
  HmacKey::Digest digest{};  // SHA-256's size, for both schemes
  for (std::size_t i = 0; i < secrets_.size(); ++i) {
    unsigned int length = 0;
    bool ok = false;
    if (scheme_ == Scheme::kLegacy) {
      // The body's digest so far, continued with this secret in a copy.
      std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> copy(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
      ok = copy && EVP_MD_CTX_copy_ex(copy.get(), contexts_->digest) == 1 &&
           EVP_DigestUpdate(copy.get(), secrets_[i].data(), secrets_[i].size()) == 1 &&
           EVP_DigestFinal_ex(copy.get(), digest.data(), &length) == 1;
    } else {
      std::size_t mac_length = 0;
      ok = EVP_MAC_final(contexts_->macs[i], digest.data(), &mac_length, digest.size()) == 1;
      length = static_cast<unsigned int>(mac_length);
    }
    if (!ok || length != digest.size()) {
      throw std::runtime_error("signature final failed");
    }
    if (!matched && signature_matches(received_hex, digest)) {
      matched = i;
    }
  }
  return matched;
}

}  // namespace inereg::auth
