#include "api/cors.hpp"

#include <algorithm>

#include "api/errors.hpp"

namespace inereg::api {
namespace {

bool contains(const std::vector<std::string>& sorted, std::string_view origin) {
  return std::binary_search(sorted.begin(), sorted.end(), origin, std::less<>());
}

}  // namespace

CorsPolicy::CorsPolicy(store::Store& store, std::int64_t cache_ms, Clock clock)
    : store_(store), cache_ms_(cache_ms), clock_(std::move(clock)) {}

bool CorsPolicy::allowed_by_some_integration(std::string_view origin) {
  const std::int64_t now = clock_();
  std::lock_guard lock(mutex_);
  if (now >= expires_at_) {
    origins_ = store_.list_allowed_cors_origins();
    // Byte order for binary search, whatever the database's collation sorted by.
    std::sort(origins_.begin(), origins_.end());
    expires_at_ = now + cache_ms_;
  }
  return contains(origins_, origin);
}

ApiResponse CorsPolicy::preflight(const ApiRequest& request) {
  if (!request.origin || !allowed_by_some_integration(*request.origin)) {
    return error_response(ApiError(ErrorKind::kOriginNotAllowed, {}, {{"Vary", "Origin"}}));
  }
  ApiResponse allowed{204, ""};
  allowed.content_type = {};
  allowed.headers.emplace_back("Access-Control-Allow-Origin", std::string(*request.origin));
  allowed.headers.emplace_back("Access-Control-Allow-Methods", "POST");
  // What @veriff/js-sdk sends, plus what a signing or "flexible API key" client adds.
  allowed.headers.emplace_back("Access-Control-Allow-Headers",
                               "content-type, x-auth-client, x-origin, x-hmac-signature, vrf-integration-id");
  allowed.headers.emplace_back("Access-Control-Max-Age", std::string(kCorsMaxAgeSeconds));
  allowed.headers.emplace_back("Vary", "Origin");
  return allowed;
}

void CorsPolicy::decorate(const ApiRequest& request, const auth::ResolvedIntegration* integration,
                          ApiResponse& response) {
  response.headers.emplace_back("Vary", "Origin");
  if (!request.origin || integration == nullptr || !contains(integration->cors_origins, *request.origin)) {
    return;
  }
  response.headers.emplace_back("Access-Control-Allow-Origin", std::string(*request.origin));
  response.headers.emplace_back("Access-Control-Expose-Headers", "X-AUTH-CLIENT, X-HMAC-SIGNATURE, X-SIGNATURE");
}

}  // namespace inereg::api
