#include "api/api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <vector>

#include "api/errors.hpp"
#include "api/openapi_document.hpp"
#include "auth/secret_box.hpp"

namespace inereg::api {
namespace {

ApiResponse error_response(ErrorKind kind, std::string_view message) {
  ApiResponse response;
  response.status = error_spec(kind).http_status;
  response.body = error_body(kind, message);
  return response;
}

ApiResponse openapi_response() {
  ApiResponse response{200, std::string(openapi_yaml())};
  response.content_type = "application/yaml";
  return response;
}

// JSON members, context, timestamp and a data-URI prefix around the base64 content.
constexpr std::size_t kMediaEnvelopeBytes = 64 * 1024;

constexpr std::string_view kVerificationPagePrefix = "/v/";

}  // namespace

std::span<const Route> Api::route_table() {
  // One line per route: method, path, authentication, browser CORS, handler. Order
  // matters only for readers: no two patterns match the same method and path.
  static constexpr std::array kRoutes = {
      Route{"GET", "/healthz", Access::kPublic, false,
            [](Api&, const RouteCall&) {
              return ApiResponse{200, R"({"status":"ok"})"};
            }},
      Route{"GET", "/openapi.yaml", Access::kPublic, false, [](Api&, const RouteCall&) { return openapi_response(); }},
      Route{"GET", "/metrics", Access::kPublic, false,
            [](Api& api, const RouteCall&) { return api.metrics_response(); }},
      // The verification page (the session's `url`; api/verification_page.hpp): opening
      // it starts the session; its photos and submit take the same steps as the API's.
      Route{"GET", "/v/{id}", Access::kSessionToken, false,
            [](Api& api, const RouteCall& call) { return api.page_.open(call.request, call.id); }},
      Route{"POST", "/v/{id}/back", Access::kSessionToken, false,
            [](Api& api, const RouteCall& call) {
              return api.page_.upload(call.request, call.id, VerificationPage::kCardBack);
            }},
      Route{"POST", "/v/{id}/front", Access::kSessionToken, false,
            [](Api& api, const RouteCall& call) {
              return api.page_.upload(call.request, call.id, VerificationPage::kCardFront);
            }},
      Route{"POST", "/v/{id}/submit", Access::kSessionToken, false,
            [](Api& api, const RouteCall& call) { return api.page_.submit(call.id); }},
      // The page's script and stylesheet (the id is a file name).
      Route{"GET", "/page/{id}", Access::kPublic, false,
            [](Api&, const RouteCall& call) { return VerificationPage::asset(call.id); }},
      Route{"OPTIONS", "/v1/sessions", Access::kPublic, true,
            [](Api& api, const RouteCall& call) { return api.cors_.preflight(call.request); }},
      Route{"POST", "/v1/sessions", Access::kBodySignatureOptional, true,
            [](Api& api, const RouteCall& call) { return api.create_session(call.request, *call.caller); }},
      Route{"PATCH", "/v1/sessions/{id}", Access::kBodySigned, false,
            [](Api& api, const RouteCall& call) { return api.update_session(call.request, call.id, *call.caller); }},
      Route{"DELETE", "/v1/sessions/{id}", Access::kPathIdSigned, false,
            [](Api& api, const RouteCall& call) { return api.delete_session(call.id, *call.caller); }},
      Route{"GET", "/v1/sessions/{id}/decision", Access::kPathIdSigned, false,
            [](Api& api, const RouteCall& call) { return api.get_decision(call.id, *call.caller); }},
      Route{"GET", "/v1/sessions/{id}/decision/ine-registry", Access::kPathIdSigned, false,
            [](Api& api, const RouteCall& call) { return api.get_ine_registry(call.request, call.id, *call.caller); }},
      Route{"GET", "/v1/sessions/{id}/person", Access::kPathIdSigned, false,
            [](Api& api, const RouteCall& call) { return api.get_person(call.id, *call.caller); }},
      Route{"GET", "/v1/sessions/{id}/attempts", Access::kPathIdSigned, false,
            [](Api& api, const RouteCall& call) { return api.get_attempts(call.id, *call.caller); }},
      Route{"POST", "/v1/sessions/{id}/media", Access::kBodySigned, false,
            [](Api& api, const RouteCall& call) { return api.upload_media(call.request, call.id, *call.caller); }},
      Route{"GET", "/v1/sessions/{id}/media", Access::kPathIdSigned, false,
            [](Api& api, const RouteCall& call) { return api.list_media(call.id, *call.caller); }},
      // The id here is a media id: it is what the client signs (veriff-api.md §4.8).
      Route{"GET", "/v1/media/{id}", Access::kPathIdSigned, false,
            [](Api& api, const RouteCall& call) { return api.get_media(call.id, *call.caller); }},
  };
  return kRoutes;
}

std::span<const Route> routes() {
  return Api::route_table();
}

bool is_read_only(const ApiRequest& request) {
  return request.method == "GET" && !request.path.starts_with(kVerificationPagePrefix);
}

std::size_t max_body_bytes_for(std::string_view method, std::string_view path, const MediaOptions& media,
                               std::size_t default_limit) {
  const auto match = match_route(method, path);
  if (match.route == nullptr || match.route->method != "POST") {
    return default_limit;
  }
  if (match.route->pattern == "/v1/sessions/{id}/media") {
    return std::max(default_limit, media.max_upload_bytes + kMediaEnvelopeBytes);
  }
  if (match.route->pattern == "/v/{id}/back" || match.route->pattern == "/v/{id}/front") {
    return std::max(default_limit, VerificationPage::max_photo_bytes(media.max_upload_bytes));
  }
  return default_limit;
}

bool needs_blocking_pool(std::string_view method, std::string_view path) {
  const auto match = match_route(method, path);
  return match.route != nullptr && match.route->pattern == "/v1/media/{id}";
}

Api::Api(store::Store& store, auth::IntegrationDirectory& directory, ApiOptions options, Clock clock,
         CheckQueued on_check_queued)
    : store_(store),
      directory_(directory),
      options_(std::move(options)),
      clock_(std::move(clock)),
      on_check_queued_(std::move(on_check_queued)),
      results_(options_.result_cache_ms),
      cors_(store_, options_.cors_cache_ms, clock_),
      page_(store_, options_, clock_, on_check_queued_) {}

ApiResponse Api::handle(const ApiRequest& request) {
  const RouteMatch match = match_route(request.method, request.path);
  if (match.route == nullptr) {
    // Also for a known path with another method: a 405 would tell an unauthenticated
    // caller which paths exist, and Veriff documents no 405 (docs/ARCHITECTURE.md).
    return error_response(ErrorKind::kNotFound, error_spec(ErrorKind::kNotFound).message);
  }
  const Route& route = *match.route;
  std::optional<Caller> caller;
  ApiResponse response;
  // Public and session-token routes carry no API key; the others are authenticated here.
  const bool by_api_key = route.access != Access::kPublic && route.access != Access::kSessionToken;
  try {
    if (by_api_key) {
      const bool body_signed = route.access != Access::kPathIdSigned;
      caller = authenticate(directory_, request, body_signed ? SignedPart::kBody : SignedPart::kPathId,
                            body_signed ? request.body : match.id, route.access != Access::kBodySignatureOptional);
    }
    response = route.handler(*this, RouteCall{request, match.id, caller ? &*caller : nullptr});
  } catch (const ApiError& e) {
    response = error_response(e.kind(), e.public_message());
  } catch (const std::exception& e) {
    // The client sees only "Something went wrong"; the detail stays in the log.
    // A session-token route's path is a credential: only its pattern is logged.
    spdlog::error("{} {}: {}", request.method, route.access == Access::kSessionToken ? route.pattern : request.path,
                  e.what());
    response = error_response(ErrorKind::kInternal, error_spec(ErrorKind::kInternal).message);
  }
  if (by_api_key) {
    if (caller && response.status != 401) {
      sign_response(response, *caller);
    } else if (request.auth_client) {
      // 401 carries the API key echoed back and no signature (the ine-registry page).
      response.headers.emplace_back("X-AUTH-CLIENT", std::string(*request.auth_client));
    }
  }
  if (route.browser_cors && by_api_key) {
    add_cors_headers(request, caller ? &*caller : nullptr, response);
  }
  return response;
}

void Api::add_cors_headers(const ApiRequest& request, const Caller* caller, ApiResponse& response) {
  std::shared_ptr<const auth::ResolvedIntegration> named;
  if (caller == nullptr && request.origin && request.auth_client && auth::is_uuid(*request.auth_client)) {
    try {
      named = directory_.find_by_api_key(*request.auth_client);  // cached: no extra read in the common case
    } catch (const std::exception& e) {
      spdlog::error("CORS lookup of the API key's integration: {}", e.what());
    }
  }
  CorsPolicy::decorate(request, caller ? caller->integration.get() : named.get(), response);
}

store::Session Api::owned_session(std::string_view session_id, const Caller& caller) {
  if (!auth::is_uuid(session_id)) {
    throw ApiError(ErrorKind::kNotFound);
  }
  auto session = store_.find_session(session_id);
  if (!session || session->integration_id != caller.integration->id) {
    throw ApiError(ErrorKind::kNotFound);
  }
  return std::move(*session);
}

}  // namespace inereg::api
