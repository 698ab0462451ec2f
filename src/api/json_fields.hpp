#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

// Reading untrusted JSON request bodies: every type mismatch becomes an ApiError that
// names the field, never an exception from Boost.JSON.
namespace inereg::api {

// The body as a JSON object, or ApiError(kValidationFailed).
boost::json::object parse_object_body(std::string_view body);

// Member `key` of `parent` as an object; nullptr when absent or null. `path` names the
// member in error messages.
const boost::json::object* optional_object(const boost::json::object& parent, std::string_view key,
                                           std::string_view path);

// Member `key` as a string; nullopt when absent or null.
std::optional<std::string> optional_string(const boost::json::object* parent, std::string_view key,
                                           std::string_view path);

// Base64url without padding (JWT segments).
std::string base64url(std::string_view bytes);

}  // namespace inereg::api
