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

}  // namespace inereg::auth
