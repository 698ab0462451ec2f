#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "api/messages.hpp"
#include "auth/integration_directory.hpp"
#include "store/store.hpp"

// CORS for Veriff's browser SDK (@veriff/js-sdk, veriff-api.md §8.1): the SDK posts to
// /v1/sessions from the integrator's page, on another origin, with custom headers, so
// the browser sends a preflight first. Origins are allowed per integration (stored with
// it; `inereg integration set-cors-origins`), always echoed exactly, never `*`.
namespace inereg::api {

// How long browsers may cache a preflight answer.
inline constexpr std::string_view kCorsMaxAgeSeconds = "600";

class CorsPolicy {
 public:
  using Clock = std::function<std::int64_t()>;
  // `cache_ms`: how long the union of every integration's origins is kept in memory for
  // preflights (0 = read the store each time), like the integration directory's TTL.
  CorsPolicy(store::Store& store, std::int64_t cache_ms, Clock clock);

  // OPTIONS: 204 with the allow headers when `request.origin` is allowed by some active
  // integration (a preflight carries no API key), else 403 without them. Thread-safe.
  ApiResponse preflight(const ApiRequest& request);

  // Adds Access-Control-Allow-Origin (and Vary, Expose-Headers) to a response of a
  // browser route when `integration` (the caller's, or the one its API key names when
  // authentication failed; may be null) allows the request's origin. Vary: Origin is
  // added regardless, since the answer depends on the Origin.
  static void decorate(const ApiRequest& request, const auth::ResolvedIntegration* integration, ApiResponse& response);

 private:
  bool allowed_by_some_integration(std::string_view origin);

  store::Store& store_;
  const std::int64_t cache_ms_;
  const Clock clock_;
  std::mutex mutex_;
  std::vector<std::string> origins_;  // sorted
  std::int64_t expires_at_ = 0;
};

}  // namespace inereg::api
