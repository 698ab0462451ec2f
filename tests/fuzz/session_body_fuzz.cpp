// Fuzz target of the session API's JSON bodies: the input, correctly signed, as the
// body of POST /v1/sessions and of PATCH /v1/sessions/{id} (the fuzz integration's
// session), through Api::admit and Api::handle as the server calls them.
//
// Properties, besides "no crash, no sanitizer report": never a 5xx, no response
// signature on a 401 (FuzzService::serve); a 201 is a JSON object naming the new
// session; every 4xx is in Veriff's error shape.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_service.hpp"

namespace {

using inereg::fuzz::FuzzService;
using inereg::fuzz::require;

boost::json::object object_of(const std::string& body) {
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(body, error);
  require(!error && value.is_object());
  return std::move(value.as_object());
}

void check_error_shape(const inereg::http::Response& response) {
  if (response.status >= 400) {
    const auto body = object_of(response.body);
    require(body.contains("status") && body.contains("code") && body.contains("message"));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzService& service = FuzzService::next_input();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const std::string signature = service.signature(body);

  const auto created = service.serve(service.signed_request("POST", "/v1/sessions", body, signature), !body.empty());
  if (created.status == 201) {
    const auto answer = object_of(created.body);
    const auto* verification = answer.if_contains("verification");
    require(verification != nullptr && verification->is_object() && verification->as_object().contains("id"));
  }
  check_error_shape(created);

  const std::string path = "/v1/sessions/" + service.session_id();
  const auto updated = service.serve(service.signed_request("PATCH", path, body, signature), !body.empty());
  check_error_shape(updated);
  return 0;
}
