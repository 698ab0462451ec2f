#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "api/auth_throttle.hpp"
#include "api/authenticate.hpp"
#include "api/cors.hpp"
#include "api/errors.hpp"
#include "api/messages.hpp"
#include "api/result_cache.hpp"
#include "api/routes.hpp"
#include "api/verification_page.hpp"
#include "auth/integration_directory.hpp"
#include "http/exchange.hpp"
#include "media/image_content.hpp"
#include "sessions/workflow.hpp"
#include "store/store.hpp"

namespace inereg::api {

// POST /v1/sessions/{id}/media (veriff-api.md §4.7); `media.*` in the config.
struct MediaOptions {
  // Base64 characters of one `image.content`: Veriff's "24MB in base64 encoding".
  std::size_t max_upload_bytes = 24 << 20;
  store::MediaLimits limits;  // files and decoded bytes per session
  media::ImageLimits image;   // pixels an accepted image may declare (and the reader decode)
};

// What the operator sets (`api.*` in the config).
struct ApiSettings {
  // Completed answers kept in memory: the longest another node's DELETE may go unseen
  // (ResultCache); 0 = off.
  std::int64_t result_cache_ms = 5'000;
  // DELETE /v1/sessions/{id}: Veriff enables it on request; a self-hosted operator is
  // the one who would grant that, so it is on by default with Veriff's limits.
  bool delete_enabled = true;
  store::DeleteRateLimit delete_limit;  // per integration, counted in the store
  AuthThrottleSettings auth_throttle;   // repeated failed authentication: slowed, then 429
};

// The settings plus what the service wires in when it builds the Api.
struct ApiOptions : ApiSettings {
  std::string public_url = "http://127.0.0.1:8080";  // verification.host / url of created sessions
  std::string session_token_key;                     // HMAC key of the sessionToken JWTs
  std::int64_t cors_cache_ms = 2'000;                // every integration's browser origins, for preflights
  // The store's reads are local point reads (SQLite), cheaper inline than a hop to the
  // blocking pool: Threads::kReadOnly routes then run on the I/O threads.
  bool local_reads = true;
  // GET /metrics: the Prometheus exposition text; empty = 404.
  std::function<std::string()> metrics_page;
  std::string metrics_token;  // metrics.token (metrics/metrics.hpp)
  MediaOptions media;
  PageOptions page;  // the verification page (GET /v/{sessionToken})
};

// Veriff Public API v1, as plain functions over ApiRequest/ApiResponse. Handles the
// routing, authentication and error mapping; storage and domain calls are blocking
// (SQLite point queries, measured cheaper inline than a hop to a thread pool).
// Serves the HTTP server as its http::Application (see application()).
// Thread-safe: one instance serves every I/O thread.
class Api {
 public:
  using Clock = std::function<std::int64_t()>;

  // Reads go to `store`; every change of a session goes through `sessions`.
  Api(store::Store& store, sessions::SessionWorkflow& sessions, auth::IntegrationDirectory& directory,
      ApiOptions options, Clock clock);

  // The request line's route, once per request: its route number and {id}, body limit
  // and thread, from the route's descriptor and these options. No allocation.
  http::Routing route(std::string_view method, std::string_view path) const;
  // Answers `request`, which `routing` (from route()) routed.
  ApiResponse handle(const ApiRequest& request, const http::Routing& routing);
  // Routes and answers `request` (callers without a server: the demo, benchmarks).
  ApiResponse handle(const ApiRequest& request);
  // Before a body is read: the refusal `handle` would give a request whose headers
  // already fail (unknown route, an API key that names no active integration, a
  // required signature header missing or malformed, a session token this deployment
  // did not make), or nullopt to read the body. So nobody without credentials makes
  // the server hold a body. The signature itself needs the body: handle() checks it.
  std::optional<ApiResponse> admit(const ApiRequest& head, const http::Routing& routing);
  // For an admitted request whose route signs the body and which carries a signature:
  // the BodySignature the server feeds the body to as it reads it (http::BodyDigest),
  // which handle() then reads instead of hashing the body again. Else nullptr.
  std::shared_ptr<http::BodyDigest> watch_body(const ApiRequest& head, const http::Routing& routing);
  AuthThrottle::Stats auth_throttle_stats() const { return throttle_.stats(); }
  // Reads the sessions other nodes deleted into the result cache (ResultCache::sync);
  // app::Service runs it every result_cache_sync_interval() on a thread of its own.
  void sync_result_cache();
  std::chrono::milliseconds result_cache_sync_interval() const {
    return std::chrono::milliseconds(results_.sync_interval_ms());
  }

  // The route table (see routes.hpp); here because its entries call the handlers.
  static std::span<const Route> route_table();

 private:
  ApiResponse create_session(const ApiRequest& request, Caller& caller);
  ApiResponse update_session(const ApiRequest& request, std::string_view session_id, Caller& caller);
  ApiResponse delete_session(std::string_view session_id, Caller& caller);
  ApiResponse get_decision(std::string_view session_id, Caller& caller);
  ApiResponse get_ine_registry(const ApiRequest& request, std::string_view session_id, Caller& caller);
  ApiResponse get_curp_registry(const ApiRequest& request, std::string_view session_id, Caller& caller);
  ApiResponse get_combined_registry(const ApiRequest& request, std::string_view session_id, Caller& caller);
  ApiResponse get_person(std::string_view session_id, Caller& caller);
  // inereg extension: the session's re-check history (docs/openapi.yaml).
  ApiResponse get_ine_rechecks(std::string_view session_id, Caller& caller);
  ApiResponse get_attempts(std::string_view session_id, Caller& caller);
  // GET /metrics (api/metrics_handler.cpp).
  ApiResponse metrics_response(const ApiRequest& request) const;
  ApiResponse upload_media(const ApiRequest& request, std::string_view session_id, Caller& caller);
  ApiResponse list_media(std::string_view session_id, Caller& caller);
  ApiResponse get_media(std::string_view media_id, Caller& caller);

  // The caller's session, or ApiError(kNotFound): another integration's session is
  // indistinguishable from an unknown one.
  store::Session owned_session(std::string_view session_id, const Caller& caller);

  // CORS headers of a browser route's response: for the caller's integration, or when
  // authentication failed, the integration the API key names (so the page can read
  // the 401 too).
  void add_cors_headers(const ApiRequest& request, const Caller* caller, ApiResponse& response);
  // The answer to a failed authentication: `error` as it is, held back, or turned
  // into a 429 once the key or the address has failed too often (AuthThrottle).
  ApiResponse authentication_failure(const ApiRequest& request, const ApiError& error);
  // What every answer of an API-key route carries: the response signature (or, on a
  // 401, the API key echoed back) and, on browser routes, the CORS headers.
  void authenticated_headers(const Route& route, const ApiRequest& request, const Caller* caller,
                             ApiResponse& response);

  store::Store& store_;
  sessions::SessionWorkflow& sessions_;
  auth::IntegrationDirectory& directory_;
  const ApiOptions options_;
  const Clock clock_;
  ResultCache results_;
  CorsPolicy cors_;
  VerificationPage page_;  // after options_, which it refers to
  AuthThrottle throttle_;
};

}  // namespace inereg::api
