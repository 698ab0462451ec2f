#include "api/json_fields.hpp"

#include <openssl/evp.h>

#include "api/errors.hpp"

namespace inereg::api {

boost::json::object parse_object_body(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) {
    throw ApiError(ErrorKind::kValidationFailed, "Validation failed: the request body must be a JSON object.");
  }
  return std::move(value.as_object());
}

const boost::json::object* optional_object(const boost::json::object& parent, std::string_view key,
                                           std::string_view path) {
  const auto* member = parent.if_contains(key);
  if (member == nullptr || member->is_null()) {
    return nullptr;
  }
  if (!member->is_object()) {
    throw ApiError(ErrorKind::kInvalidParameters,
                   "Request includes invalid parameters: " + std::string(path) + " must be an object.");
  }
  return &member->as_object();
}

std::optional<std::string> optional_string(const boost::json::object* parent, std::string_view key,
                                           std::string_view path) {
  if (parent == nullptr) {
    return std::nullopt;
  }
  const auto* member = parent->if_contains(key);
  if (member == nullptr || member->is_null()) {
    return std::nullopt;
  }
  if (!member->is_string()) {
    throw ApiError(ErrorKind::kInvalidParameters,
                   "Request includes invalid parameters: " + std::string(path) + " must be a string.");
  }
  return std::string(member->as_string());
}

std::string to_json(const boost::json::value& value) { return boost::json::serialize(value); }

boost::json::value string_or_null(const std::optional<std::string>& value) {
  if (!value) {
    return nullptr;
  }
  return boost::json::string(*value);
}

std::string base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  for (char& c : out) {
    if (c == '+') {
      c = '-';
    } else if (c == '/') {
      c = '_';
    }
  }
  return out;
}

}  // namespace inereg::api
