#include "api/session_token.hpp"

#include <openssl/evp.h>

#include <boost/json.hpp>

#include "api/json_fields.hpp"
#include "auth/signing.hpp"
#include "veriff/json.hpp"

namespace inereg::api {
namespace {

// Base64url without padding back to bytes; nullopt if it is not that.
std::optional<std::string> decode_base64url(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      return std::nullopt;
    }
  }
  const std::size_t padding = (4 - standard.size() % 4) % 4;
  if (padding == 3) {
    return std::nullopt;
  }
  standard.append(padding, '=');
  std::string out(standard.size() / 4 * 3, '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(standard.data()), static_cast<int>(standard.size()));
  if (n < 0) {
    return std::nullopt;
  }
  out.resize(static_cast<std::size_t>(n) - padding);  // EVP_DecodeBlock counts the padding as zero bytes
  return out;
}

}  // namespace

std::string make_session_token(const store::Session& session, const std::string& key) {
  const std::string header = base64url(R"({"alg":"HS256","typ":"JWT"})");
  boost::json::object claims;
  claims["session_id"] = session.id;
  claims["iid"] = session.integration_id;
  claims["iat"] = session.created_at / 1000;
  const std::string signing_input = header + "." + base64url(veriff::to_json(claims));
  return signing_input + "." + base64url(auth::hmac_sha256(key, signing_input));
}

std::optional<std::string> session_id_from_token(std::string_view token, const std::string& key) {
  const auto last_dot = token.rfind('.');
  const auto first_dot = token.find('.');
  if (first_dot == std::string_view::npos || first_dot == last_dot) {
    return std::nullopt;
  }
  const std::string_view signing_input = token.substr(0, last_dot);
  const auto signature = decode_base64url(token.substr(last_dot + 1));
  if (!signature) {
    return std::nullopt;
  }
  // Compared with the expected digest in constant time, as request signatures are.
  if (!auth::digest_matches(*signature, auth::HmacKey(key).sign(signing_input))) {
    return std::nullopt;
  }
  const auto payload = decode_base64url(token.substr(first_dot + 1, last_dot - first_dot - 1));
  if (!payload) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  const auto claims = boost::json::parse(*payload, ec);
  if (ec || !claims.is_object()) {
    return std::nullopt;
  }
  const auto* session_id = claims.as_object().if_contains("session_id");
  if (session_id == nullptr || !session_id->is_string()) {
    return std::nullopt;
  }
  return std::string(session_id->as_string());
}

}  // namespace inereg::api
