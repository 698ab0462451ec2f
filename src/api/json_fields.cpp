#include "api/json_fields.hpp"

#include "api/errors.hpp"
#include "util/base64.hpp"

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

std::string base64url(std::string_view bytes) {
  std::string out = util::base64_encode(bytes);
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
