#include "auth/secret_box.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "auth/signing.hpp"
#include "util/hex.hpp"

namespace inereg::auth {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;

// AES-256-GCM fetched once: OpenSSL 3 looks an implicitly fetched cipher
// (EVP_aes_256_gcm()) up in its provider store on every init, which was most of the
// cost of opening a short value (measured with bench/sealing_bench).
const EVP_CIPHER* aes_256_gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher != nullptr ? cipher : EVP_aes_256_gcm();
}

void openssl_random_bytes(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  }
}

// Counts forks: a child drops the random bytes its thread had drawn before the fork, so
// parent and child never hand out the same nonce or key.
std::atomic<std::uint64_t> fork_generation{0};

void count_fork() {
  fork_generation.fetch_add(1, std::memory_order_relaxed);
}

// Random bytes from OpenSSL's CSPRNG, drawn 4 KiB at a time per thread. Each RAND_bytes
// call costs a getpid() system call (OpenSSL 3's DRBG checks for a fork on every
// generate), and sealing a session's fields draws a 12-byte nonce per field: one call per
// nonce was 9% of a session create's CPU (perf, bench/write_bench.sh). Bytes handed out
// are wiped from the buffer, the rest when the thread ends.
void random_bytes(unsigned char* out, std::size_t n) {
  static constexpr std::size_t kPoolBytes = 4096;
  struct Pool {
    std::array<unsigned char, kPoolBytes> bytes{};
    std::size_t used = kPoolBytes;
    std::uint64_t generation = 0;
    Pool() = default;
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;
    // The bytes not drawn yet would be a later key or nonce: wiped when the thread ends.
    ~Pool() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  };
  static const int registered = pthread_atfork(nullptr, nullptr, &count_fork);
  (void)registered;
  if (n > kPoolBytes / 4) {
    openssl_random_bytes(out, n);
    return;
  }
  thread_local Pool pool;
  const std::uint64_t generation = fork_generation.load(std::memory_order_relaxed);
  if (pool.generation != generation || kPoolBytes - pool.used < n) {
    openssl_random_bytes(pool.bytes.data(), kPoolBytes);
    pool.used = 0;
    pool.generation = generation;
  }
  unsigned char* drawn = pool.bytes.data() + pool.used;
  std::memcpy(out, drawn, n);
  OPENSSL_cleanse(drawn, n);
  pool.used += n;
}

// Authenticated, not encrypted: GCM's additional data (an update with no output).
template <typename Update>
bool add_associated_data(EVP_CIPHER_CTX* ctx, std::string_view data, Update update) {
  int len = 0;
  return data.empty() || update(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size())) == 1;
}

}  // namespace

std::optional<SecretBox> SecretBox::from_hex(std::string_view master_key_hex) {
  if (master_key_hex.size() != 64) {
    return std::nullopt;
  }
  const auto bytes = util::from_hex(master_key_hex);
  if (!bytes) {
    return std::nullopt;
  }
  std::array<unsigned char, 32> key{};
  std::copy(bytes->begin(), bytes->end(), reinterpret_cast<char*>(key.data()));
  return SecretBox(key);
}

namespace {

using Key = std::array<unsigned char, 32>;

enum class Direction { kSeal, kOpen };

// AES-256-GCM contexts with their key already set, a few per thread, most recently used
// kept. Setting a key (AES key expansion, GHASH table) and allocating a context were most
// of the cost of opening a session's columns, which share one data key, and reading a
// session opens its data key under the master key first: bench/sealing_bench ("crypto
// alone"). A context is then re-initialised with each value's nonce only. The expanded
// key stays in the thread's context until another key takes its place or the thread
// ends, as the key itself stays in its SecretBox.
class KeyedContexts {
 public:
  // A context set to `key` for `direction`, to be initialised with a nonce.
  EVP_CIPHER_CTX* context(const Key& key, Direction direction) {
    Entry* pick = &entries_.front();
    for (auto& entry : entries_) {
      if (entry.ctx && entry.direction == direction && CRYPTO_memcmp(entry.key.data(), key.data(), key.size()) == 0) {
        entry.last_used = ++uses_;
        return entry.ctx.get();
      }
      if (entry.last_used < pick->last_used) {
        pick = &entry;
      }
    }
    if (!pick->ctx) {
      pick->ctx.reset(EVP_CIPHER_CTX_new());
    }
    const int encrypt = direction == Direction::kSeal ? 1 : 0;
    if (!pick->ctx || EVP_CipherInit_ex(pick->ctx.get(), aes_256_gcm(), nullptr, key.data(), nullptr, encrypt) != 1) {
      pick->ctx.reset();
      return nullptr;
    }
    pick->key = key;
    pick->direction = direction;
    pick->last_used = ++uses_;
    return pick->ctx.get();
  }

  ~KeyedContexts() {
    for (auto& entry : entries_) {
      OPENSSL_cleanse(entry.key.data(), entry.key.size());
    }
  }

 private:
  struct Free {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
  };
  struct Entry {
    std::unique_ptr<EVP_CIPHER_CTX, Free> ctx;
    Key key{};
    Direction direction = Direction::kOpen;
    std::uint64_t last_used = 0;
  };
  // The master key's and a data key's, each way.
  std::array<Entry, 4> entries_;
  std::uint64_t uses_ = 0;
};

EVP_CIPHER_CTX* keyed_context(const Key& key, Direction direction, const unsigned char* nonce) {
  thread_local KeyedContexts contexts;
  EVP_CIPHER_CTX* ctx = contexts.context(key, direction);
  if (ctx == nullptr || EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, nonce, -1) != 1) {
    return nullptr;
  }
  return ctx;
}

std::string gcm_seal(const Key& key, std::string_view plaintext, std::string_view associated_data) {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  random_bytes(bytes, kNonceBytes);
  EVP_CIPHER_CTX* ctx = keyed_context(key, Direction::kSeal, bytes);
  int len = 0;
  if (ctx == nullptr || !add_associated_data(ctx, associated_data, EVP_EncryptUpdate) ||
      EVP_EncryptUpdate(ctx, bytes + kNonceBytes, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, bytes + kNonceBytes + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, bytes + kNonceBytes + plaintext.size()) != 1) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  return out;
}

std::optional<std::string> gcm_open(const Key& key, std::string_view sealed_text, std::string_view associated_data) {
  if (sealed_text.size() < kNonceBytes + kTagBytes) {
    return std::nullopt;
  }
  const auto* sealed = reinterpret_cast<const unsigned char*>(sealed_text.data());
  const std::size_t text_size = sealed_text.size() - kNonceBytes - kTagBytes;
  std::string plain(text_size, '\0');
  std::array<unsigned char, kTagBytes> tag{};
  std::copy(sealed + kNonceBytes + text_size, sealed + sealed_text.size(), tag.begin());
  EVP_CIPHER_CTX* ctx = keyed_context(key, Direction::kOpen, sealed);
  int len = 0;
  if (ctx == nullptr || !add_associated_data(ctx, associated_data, EVP_DecryptUpdate) ||
      EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(plain.data()), &len, sealed + kNonceBytes,
                        static_cast<int>(text_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(plain.data()) + len, &len) != 1) {
    OPENSSL_cleanse(plain.data(), plain.size());  // what a failed open decrypted is not handed out
    return std::nullopt;
  }
  return plain;
}

}  // namespace

std::string SecretBox::seal(std::string_view plaintext, std::string_view associated_data) const {
  return util::to_hex(seal_bytes(plaintext, associated_data));
}

std::optional<std::string> SecretBox::open(std::string_view sealed_hex, std::string_view associated_data) const {
  const auto sealed_text = util::from_hex(sealed_hex);
  if (!sealed_text) {
    return std::nullopt;
  }
  return open_bytes(*sealed_text, associated_data);
}

std::string SecretBox::seal_bytes(std::string_view plaintext, std::string_view associated_data) const {
  return gcm_seal(key_, plaintext, associated_data);
}

std::optional<std::string> SecretBox::open_bytes(std::string_view sealed, std::string_view associated_data) const {
  auto plain = gcm_open(key_, sealed, associated_data);
  if (!plain && previous_) {
    plain = gcm_open(*previous_, sealed, associated_data);
  }
  return plain;
}

SecretBox SecretBox::with_previous(const SecretBox& previous) const {
  SecretBox both(key_);
  both.previous_ = previous.key_;
  return both;
}

std::optional<SecretBox> SecretBox::previous() const {
  if (!previous_) {
    return std::nullopt;
  }
  return SecretBox(*previous_);
}

std::string SecretBox::keyed_hash_hex(std::string_view value) const {
  return hmac_sha256_hex(std::string_view(reinterpret_cast<const char*>(key_.data()), key_.size()), value);
}

std::string random_master_key_hex() {
  std::array<unsigned char, 32> key{};
  random_bytes(key.data(), key.size());
  return util::to_hex(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

namespace {

// Sets the version (4) and variant (RFC 9562) bits and writes the 8-4-4-4-12 text.
std::string uuid_v4_text(std::array<unsigned char, 16>& b) {
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  const std::string hex = util::to_hex(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

}  // namespace

std::string random_uuid_v4() {
  std::array<unsigned char, 16> b{};
  random_bytes(b.data(), b.size());
  return uuid_v4_text(b);
}

std::string time_ordered_uuid_v4(std::int64_t unix_ms) {
  constexpr std::uint64_t kLargest = (std::uint64_t{1} << 48) - 1;  // the year 10889
  const std::uint64_t ms = std::min(static_cast<std::uint64_t>(std::max<std::int64_t>(unix_ms, 0)), kLargest);
  std::array<unsigned char, 16> b{};
  for (std::size_t i = 0; i < 6; ++i) {
    b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  }
  random_bytes(b.data() + 6, b.size() - 6);
  return uuid_v4_text(b);
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') {
        return false;
      }
    } else if (std::isxdigit(static_cast<unsigned char>(text[i])) == 0) {
      return false;
    }
  }
  return true;
}

}  // namespace inereg::auth
