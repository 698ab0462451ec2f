#include "auth/signing.hpp"

#include "util/hex.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace inereg::auth {

std::string hmac_sha256(std::string_view secret, std::string_view message) {
  // Fetched once: OpenSSL 3's one-shot HMAC() looks the algorithms up on every call,
  // which showed in profiles of the GET path (two HMACs per request).
  static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  static char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(hmac ? EVP_MAC_CTX_new(hmac) : nullptr,
                                                                &EVP_MAC_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  std::size_t length = 0;
  if (!ctx ||
      EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      EVP_MAC_final(ctx.get(), digest.data(), &length, digest.size()) != 1) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view message) {
  return util::to_hex(hmac_sha256(secret, message));
}

std::string legacy_sha256_hex(std::string_view message, std::string_view secret) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, message.data(), message.size()) == 1 &&
                  EVP_DigestUpdate(ctx, secret.data(), secret.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, digest.data(), nullptr) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    throw std::runtime_error("SHA-256 failed");
  }
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

bool signature_matches(std::string_view received_hex, std::string_view expected_lower_hex) {
  if (received_hex.size() != expected_lower_hex.size()) {
    return false;
  }
  std::array<char, 128> lowered{};
  if (received_hex.size() > lowered.size()) {
    return false;
  }
  for (std::size_t i = 0; i < received_hex.size(); ++i) {
    const char c = received_hex[i];
    lowered[i] = (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return CRYPTO_memcmp(lowered.data(), expected_lower_hex.data(), expected_lower_hex.size()) == 0;
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
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
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
    if (!ok) {
      throw std::runtime_error("signature final failed");
    }
    const std::string expected = util::to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
    if (!matched && signature_matches(received_hex, expected)) {
      matched = i;
    }
  }
  return matched;
}

}  // namespace inereg::auth
