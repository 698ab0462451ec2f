#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The API's own request/response types: what handlers see instead of Beast's, so the
// API is testable and benchmarkable without sockets.
namespace inereg::api {

struct ApiRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view path;    // target without the query string
  std::string_view query;   // raw text after '?', empty if none
  std::string_view body;
  std::optional<std::string_view> auth_client;       // X-AUTH-CLIENT
  std::optional<std::string_view> hmac_signature;    // X-HMAC-SIGNATURE
  std::optional<std::string_view> legacy_signature;  // X-SIGNATURE
  std::optional<std::string_view> integration_id;    // vrf-integration-id ("flexible API keys", §4.4)
  std::optional<std::string_view> origin;            // Origin (browsers; CORS, §8.1)
};

struct ApiResponse {
  ApiResponse() = default;
  ApiResponse(int status_code, std::string json_body) : status(status_code), body(std::move(json_body)) {}

  int status = 200;
  std::string body;
  std::string content_type = "application/json";  // empty: no Content-Type (204)
  std::vector<std::pair<std::string, std::string>> headers;
};

// True when handling `request` only reads: the server may run it on an I/O thread
// (see http::ServerOptions::inline_reads). GET /v/{token} writes (the session starts).
bool is_read_only(const ApiRequest& request);

}  // namespace inereg::api
