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
#include "store/store.hpp"

namespace inereg::api {

// POST /v1/sessions/{id}/media (veriff-api.md §4.7).
struct MediaOptions {
  // Base64 characters of one `image.content`: Veriff's "24MB in base64 encoding".
  std::size_t max_upload_bytes = 24 << 20;
  store::MediaLimits limits;  // files and decoded bytes per session
};

struct ApiOptions {
  std::string public_url = "http://127.0.0.1:8080";  // verification.host / url of created sessions
  std::string session_token_key;                     // HMAC key of the sessionToken JWTs
  std::int64_t result_cache_ms = 5'000;              // completed answers kept in memory; 0 = off
  // DELETE /v1/sessions/{id}: Veriff enables it on request; a self-hosted operator is
  // the one who would grant that, so it is on by default with Veriff's limits.
  bool delete_enabled = true;
  store::DeleteRateLimit delete_limit;  // per integration, counted in the store
  std::int64_t cors_cache_ms = 2'000;   // every integration's browser origins, for preflights
  // GET /metrics: the Prometheus exposition text (unauthenticated); empty = 404.
  std::function<std::string()> metrics_page;
  MediaOptions media;
  PageOptions page;  // the verification page (GET /v/{sessionToken})
};

// What the HTTP server decides per request from the request line, before the body is
// read. The body limit of `method path`: a media upload may carry `max_upload_bytes`
// of base64 in its JSON envelope; every other route keeps `default_limit`.
std::size_t max_body_bytes_for(std::string_view method, std::string_view path, const MediaOptions& media,
                               std::size_t default_limit);
// True for GET /v1/media/{id}: reading and signing a whole file (up to ~18 MB) would
// stall an I/O thread, so it runs on the blocking pool even where GETs run inline.
bool needs_blocking_pool(std::string_view method, std::string_view path);

// Veriff Public API v1, as plain functions over ApiRequest/ApiResponse. Handles the
// routing, authentication and error mapping; storage and domain calls are blocking
// (SQLite point queries, measured cheaper inline than a hop to a thread pool).
// Thread-safe: one instance serves every I/O thread.
class Api {
 public:
  using Clock = std::function<std::int64_t()>;
  using CheckQueued = std::function<void()>;

  Api(store::Store& store, auth::IntegrationDirectory& directory, ApiOptions options, Clock clock,
      CheckQueued on_check_queued);

  ApiResponse handle(const ApiRequest& request);

  // The route table (see routes.hpp); here because its entries call the handlers.
  static std::span<const Route> route_table();

 private:
  ApiResponse create_session(const ApiRequest& request, Caller& caller);
  ApiResponse update_session(const ApiRequest& request, std::string_view session_id, Caller& caller);
  ApiResponse delete_session(std::string_view session_id, Caller& caller);
  ApiResponse get_decision(std::string_view session_id, Caller& caller);
  ApiResponse get_ine_registry(const ApiRequest& request, std::string_view session_id, Caller& caller);
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
  auth::IntegrationDirectory& directory_;
  const ApiOptions options_;
  const Clock clock_;
  const CheckQueued on_check_queued_;
  ResultCache results_;
  CorsPolicy cors_;
  VerificationPage page_;  // after options_, which it refers to
};

}  // namespace inereg::api
