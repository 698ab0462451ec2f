#pragma once

#include <functional>
#include <span>
#include <string>

#include "api/authenticate.hpp"
#include "api/cors.hpp"
#include "api/messages.hpp"
#include "api/result_cache.hpp"
#include "api/routes.hpp"
#include "api/verification_page.hpp"
#include "auth/integration_directory.hpp"
#include "http/exchange.hpp"
#include "sessions/workflow.hpp"
#include "store/store.hpp"

namespace inereg::api {

// POST /v1/sessions/{id}/media (veriff-api.md §4.7); `media.*` in the config.
struct MediaOptions {
  // Base64 characters of one `image.content`: Veriff's "24MB in base64 encoding".
  std::size_t max_upload_bytes = 24 << 20;
  store::MediaLimits limits;  // files and decoded bytes per session
};

// What the operator sets (`api.*` in the config).
struct ApiSettings {
  std::int64_t result_cache_ms = 5'000;  // completed answers kept in memory; 0 = off
  // DELETE /v1/sessions/{id}: Veriff enables it on request; a self-hosted operator is
  // the one who would grant that, so it is on by default with Veriff's limits.
  bool delete_enabled = true;
  store::DeleteRateLimit delete_limit;  // per integration, counted in the store
};

// The settings plus what the service wires in when it builds the Api.
struct ApiOptions : ApiSettings {
  std::string public_url = "http://127.0.0.1:8080";  // verification.host / url of created sessions
  std::string session_token_key;                     // HMAC key of the sessionToken JWTs
  std::int64_t cors_cache_ms = 2'000;                // every integration's browser origins, for preflights
  // The store's reads are local point reads (SQLite), cheaper inline than a hop to the
  // blocking pool: Threads::kReadOnly routes then run on the I/O threads.
  bool local_reads = true;
  // GET /metrics: the Prometheus exposition text (unauthenticated); empty = 404.
  std::function<std::string()> metrics_page;
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
  using CheckQueued = std::function<void()>;

  // Reads go to `store`; every change of a session goes through `sessions`.
  Api(store::Store& store, sessions::SessionWorkflow& sessions, auth::IntegrationDirectory& directory,
      ApiOptions options, Clock clock, CheckQueued on_check_queued);

  // The request line's route, once per request: its route number and {id}, body limit
  // and thread, from the route's descriptor and these options. No allocation.
  http::Routing route(std::string_view method, std::string_view path) const;
  // Answers `request`, which `routing` (from route()) routed.
  ApiResponse handle(const ApiRequest& request, const http::Routing& routing);
  // Routes and answers `request` (callers without a server: the demo, benchmarks).
  ApiResponse handle(const ApiRequest& request);

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
  ApiResponse get_attempts(std::string_view session_id, Caller& caller);
  // GET /metrics (api/metrics_handler.cpp).
  ApiResponse metrics_response() const;
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

  store::Store& store_;
  sessions::SessionWorkflow& sessions_;
  auth::IntegrationDirectory& directory_;
  const ApiOptions options_;
  const Clock clock_;
  const CheckQueued on_check_queued_;
  ResultCache results_;
  CorsPolicy cors_;
  VerificationPage page_;  // after options_, which it refers to
};

}  // namespace inereg::api
