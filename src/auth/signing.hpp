#pragma once

#include <string>
#include <string_view>

// Veriff's request/response signatures (veriff-api.md §2). Pure functions; thread-safe.
namespace inereg::auth {

// The raw 32-byte HMAC-SHA256(key = secret, msg = message).
std::string hmac_sha256(std::string_view secret, std::string_view message);

// lowercase_hex(HMAC-SHA256(key = secret, msg = message)): X-HMAC-SIGNATURE.
std::string hmac_sha256_hex(std::string_view secret, std::string_view message);

// lowercase_hex(SHA256(message ‖ secret)): the legacy X-SIGNATURE scheme.
std::string legacy_sha256_hex(std::string_view message, std::string_view secret);

// True when `candidate` has the shape of a SHA-256 hex digest (64 hex digits, any case).
bool is_sha256_hex(std::string_view candidate);

// Compares a received hex signature with the expected lowercase one in constant time
// (for equal lengths); the received one may be in upper case.
bool signature_matches(std::string_view received_hex, std::string_view expected_lower_hex);

}  // namespace inereg::auth
