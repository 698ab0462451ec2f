#include "veriff/error_body.hpp"

#include "veriff/json.hpp"

namespace inereg::veriff {
namespace {

std::string write(boost::json::value status, std::string_view code, std::string_view message) {
  boost::json::object body;
  body["status"] = std::move(status);
  body["code"] = code;
  body["message"] = message;
  return to_json(body);
}

}  // namespace

std::string error_body(std::string_view code, std::string_view message) {
  return write("fail", code, message);
}

std::string error_body_with_numeric_status(int http_status, std::string_view code, std::string_view message) {
  return write(http_status, code, message);
}

}  // namespace inereg::veriff
