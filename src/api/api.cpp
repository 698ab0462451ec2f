#include "api/api.hpp"

#include <spdlog/spdlog.h>

#include <array>

#include "api/errors.hpp"
#include "api/openapi_document.hpp"
#include "api/session_token.hpp"
#include "auth/secret_box.hpp"

namespace inereg::api {
namespace {

ApiResponse openapi_response() {
  ApiResponse response{200, std::string(openapi_yaml())};
  response.content_type = "application/yaml";
  return response;
}

// JSON members, context, timestamp and a data-URI prefix around the base64 content.
constexpr std::size_t kMediaEnvelopeBytes = std::size_t{64} * 1024;

}  // namespace

std::span<const Route> Api::route_table() {
  // One descriptor per route. Order matters only for readers: no two patterns match the
  // same method and path. The metrics labels are the route classes inereg has always
  // reported; a new route may name its own.
  static constexpr std::array kRoutes = {
      Route{.method = "GET",
            .pattern = "/healthz",
            .access = Access::kPublic,
            .threads = Threads::kReadOnly,
            .metrics_label = "health",
            .handler =
                [](Api&, const RouteCall&) {
                  return ApiResponse{200, R"({"status":"ok"})"};
                }},
      Route{.method = "GET",
            .pattern = "/openapi.yaml",
            .access = Access::kPublic,
            .threads = Threads::kReadOnly,
            .metrics_label = "other",
            .handler = [](Api&, const RouteCall&) { return openapi_response(); }},
      Route{.method = "GET",
            .pattern = "/metrics",
            .access = Access::kPublic,
            .threads = Threads::kReadOnly,
            .metrics_label = "metrics",
            .handler = [](Api& api, const RouteCall& call) { return api.metrics_response(call.request); }},
      // The verification page (the session's `url`; api/verification_page.hpp): opening
      // it starts the session, a write; its photos are read and stored, and its submit
      // takes the same workflow steps as the API's.
      Route{.method = "GET",
            .pattern = "/v/{id}",
            .access = Access::kSessionToken,
            .threads = Threads::kBlocking,
            .metrics_label = "verification_page",
            .handler = [](Api& api, const RouteCall& call) { return api.page_.open(call.request, call.id); }},
      Route{.method = "POST",
            .pattern = "/v/{id}/back",
            .access = Access::kSessionToken,
            .body_size = BodySize::kPagePhoto,
            .threads = Threads::kBlocking,
            .metrics_label = "verification_page",
            .handler =
                [](Api& api, const RouteCall& call) {
                  return api.page_.upload(call.request, call.id, VerificationPage::kCardBack);
                }},
      Route{.method = "POST",
            .pattern = "/v/{id}/front",
            .access = Access::kSessionToken,
            .body_size = BodySize::kPagePhoto,
            .threads = Threads::kBlocking,
            .metrics_label = "verification_page",
            .handler =
                [](Api& api, const RouteCall& call) {
                  return api.page_.upload(call.request, call.id, VerificationPage::kCardFront);
                }},
      Route{.method = "POST",
            .pattern = "/v/{id}/submit",
            .access = Access::kSessionToken,
            .threads = Threads::kBlocking,
            .metrics_label = "verification_page",
            .handler = [](Api& api, const RouteCall& call) { return api.page_.submit(call.id); }},
      Route{.method = "POST",
            .pattern = "/v/{id}/cancel",
            .access = Access::kSessionToken,
            .threads = Threads::kBlocking,
            .metrics_label = "verification_page",
            .handler = [](Api& api, const RouteCall& call) { return api.page_.cancel(call.id); }},
      // The page's script and stylesheet (the id is a file name), compiled in.
      Route{.method = "GET",
            .pattern = "/page/{id}",
            .access = Access::kPublic,
            .threads = Threads::kReadOnly,
            .metrics_label = "verification_page",
            .handler = [](Api&, const RouteCall& call) { return VerificationPage::asset(call.id); }},
      Route{.method = "OPTIONS",
            .pattern = "/v1/sessions",
            .access = Access::kPublic,
            .browser_cors = true,
            .threads = Threads::kBlocking,
            .metrics_label = "create_session",
            .handler = [](Api& api, const RouteCall& call) { return api.cors_.preflight(call.request); }},
      Route{.method = "POST",
            .pattern = "/v1/sessions",
            .access = Access::kBodySignatureOptional,
            .browser_cors = true,
            .threads = Threads::kQuickWrite,
            .metrics_label = "create_session",
            .handler = [](Api& api, const RouteCall& call) { return api.create_session(call.request, *call.caller); }},
      Route{.method = "PATCH",
            .pattern = "/v1/sessions/{id}",
            .access = Access::kBodySigned,
            .threads = Threads::kQuickWrite,
            .metrics_label = "update_session",
            .handler = [](Api& api,
                          const RouteCall& call) { return api.update_session(call.request, call.id, *call.caller); }},
      Route{.method = "DELETE",
            .pattern = "/v1/sessions/{id}",
            .access = Access::kPathIdSigned,
            .threads = Threads::kQuickWrite,
            .metrics_label = "delete_session",
            .handler = [](Api& api, const RouteCall& call) { return api.delete_session(call.id, *call.caller); }},
      Route{.method = "GET",
            .pattern = "/v1/sessions/{id}/decision",
            .access = Access::kPathIdSigned,
            .threads = Threads::kReadOnly,
            .metrics_label = "decision",
            .handler = [](Api& api, const RouteCall& call) { return api.get_decision(call.id, *call.caller); }},
      Route{.method = "GET",
            .pattern = "/v1/sessions/{id}/decision/ine-registry",
            .access = Access::kPathIdSigned,
            .threads = Threads::kReadOnly,
            .metrics_label = "ine_registry",
            .handler = [](Api& api,
                          const RouteCall& call) { return api.get_ine_registry(call.request, call.id, *call.caller); }},
      // inereg extension: re-checks of the session's credential after its decision.
      Route{.method = "GET",
            .pattern = "/v1/sessions/{id}/ine-registry/rechecks",
            .access = Access::kPathIdSigned,
            .threads = Threads::kReadOnly,
            .metrics_label = "other",
            .handler = [](Api& api, const RouteCall& call) { return api.get_ine_rechecks(call.id, *call.caller); }},
      Route{
          .method = "GET",
          .pattern = "/v1/sessions/{id}/decision/curp-registry",
          .access = Access::kPathIdSigned,
          .threads = Threads::kReadOnly,
          .metrics_label = "curp_registry",
          .handler = [](Api& api,
                        const RouteCall& call) { return api.get_curp_registry(call.request, call.id, *call.caller); }},
      Route{.method = "GET",
            .pattern = "/v1/sessions/{id}/decision/combined-ine-curp-registry",
            .access = Access::kPathIdSigned,
            .threads = Threads::kReadOnly,
            .metrics_label = "combined_ine_curp_registry",
            .handler =
                [](Api& api, const RouteCall& call) {
                  return api.get_combined_registry(call.request, call.id, *call.caller);
                }},
      Route{.method = "GET",
            .pattern = "/v1/sessions/{id}/person",
            .access = Access::kPathIdSigned,
            .threads = Threads::kReadOnly,
            .metrics_label = "person",
            .handler = [](Api& api, const RouteCall& call) { return api.get_person(call.id, *call.caller); }},
      Route{.method = "GET",
            .pattern = "/v1/sessions/{id}/attempts",
            .access = Access::kPathIdSigned,
            .threads = Threads::kReadOnly,
            .metrics_label = "other",
            .handler = [](Api& api, const RouteCall& call) { return api.get_attempts(call.id, *call.caller); }},
      Route{.method = "POST",
            .pattern = "/v1/sessions/{id}/media",
            .access = Access::kBodySigned,
            .body_size = BodySize::kMediaUpload,
            .threads = Threads::kBlocking,
            .metrics_label = "other",
            .handler = [](Api& api,
                          const RouteCall& call) { return api.upload_media(call.request, call.id, *call.caller); }},
      Route{.method = "GET",
            .pattern = "/v1/sessions/{id}/media",
            .access = Access::kPathIdSigned,
            .threads = Threads::kReadOnly,
            .metrics_label = "other",
            .handler = [](Api& api, const RouteCall& call) { return api.list_media(call.id, *call.caller); }},
      // The id here is a media id: it is what the client signs (veriff-api.md §4.8).
      Route{.method = "GET",
            .pattern = "/v1/media/{id}",
            .access = Access::kPathIdSigned,
            .threads = Threads::kBlocking,
            .metrics_label = "other",
            .handler = [](Api& api, const RouteCall& call) { return api.get_media(call.id, *call.caller); }},
  };
  return kRoutes;
}

std::span<const Route> routes() {
  return Api::route_table();
}

Api::Api(store::Store& store, sessions::SessionWorkflow& sessions, auth::IntegrationDirectory& directory,
         ApiOptions options, Clock clock)
    : store_(store),
      sessions_(sessions),
      directory_(directory),
      options_(std::move(options)),
      clock_(std::move(clock)),
      results_(options_.result_cache_ms, clock_()),
      cors_(store_, options_.cors_cache_ms, clock_),
      page_(store_, sessions_, options_, clock_),
      throttle_(options_.auth_throttle) {}

http::Routing Api::route(std::string_view method, std::string_view path) const {
  const RouteMatch match = match_route(method, path);
  http::Routing routing;
  if (match.route == nullptr) {
    routing.thread = http::ThreadClass::kIoThread;  // its 404 from the error table waits on nothing
    return routing;
  }
  const Route& route = *match.route;
  routing.route = static_cast<std::size_t>(match.route - routes().data());
  routing.id = match.id;
  if (route.body_size == BodySize::kMediaUpload) {
    routing.max_body_bytes = options_.media.max_upload_bytes + kMediaEnvelopeBytes;
  } else if (route.body_size == BodySize::kPagePhoto) {
    routing.max_body_bytes = VerificationPage::max_photo_bytes(options_.media.max_upload_bytes);
  }
  // The one place where a route's thread is decided: SQLite reads are local point reads
  // (microseconds, cheaper inline than a hop); a PostgreSQL read is a network round trip
  // that would stall every connection of the I/O thread, so it takes the blocking pool.
  // A quick write on SQLite runs on the I/O thread too, as a coroutine that its one wait,
  // for its group commit, suspends (measured: the pool's hop was ~5 context switches per
  // PATCH, bench/README.md).
  routing.thread = http::ThreadClass::kBlockingPool;
  if (options_.local_reads && route.threads == Threads::kReadOnly) {
    routing.thread = http::ThreadClass::kIoThread;
  } else if (options_.local_reads && route.threads == Threads::kQuickWrite) {
    routing.thread = http::ThreadClass::kIoFiber;
  }
  return routing;
}

void Api::sync_result_cache() {
  results_.sync([this](std::int64_t since) { return store_.sessions_deleted_since(since); }, clock_());
}

ApiResponse Api::handle(const ApiRequest& request) {
  return handle(request, route(request.method, request.path));
}

ApiResponse Api::handle(const ApiRequest& request, const http::Routing& routing) {
  if (routing.route == http::Routing::kNoRoute) {
    // Also for a known path with another method: a 405 would tell an unauthenticated
    // caller which paths exist, and Veriff documents no 405 (docs/ARCHITECTURE.md).
    return error_response(ErrorKind::kNotFound);
  }
  const Route& route = routes()[routing.route];
  std::optional<Caller> caller;
  ApiResponse response;
  // Public and session-token routes carry no API key; the others are authenticated here.
  const bool by_api_key = route.access != Access::kPublic && route.access != Access::kSessionToken;
  try {
    if (by_api_key) {
      const bool body_signed = route.access != Access::kPathIdSigned;
      caller = authenticate(directory_, request, body_signed ? SignedPart::kBody : SignedPart::kPathId,
                            body_signed ? request.body : routing.id, route.access != Access::kBodySignatureOptional);
    }
    response = route.handler(*this, RouteCall{request, routing.id, caller ? &*caller : nullptr});
  } catch (const ApiError& e) {
    response = by_api_key && !caller ? authentication_failure(request, e) : error_response(e);
  } catch (const std::exception& e) {
    // The client sees only "Something went wrong"; the detail stays in the log.
    // A session-token route's path is a credential: only its pattern is logged.
    spdlog::error("{} {}: {}", request.method, route.access == Access::kSessionToken ? route.pattern : request.path,
                  e.what());
    response = error_response(ErrorKind::kInternal);
  }
  if (by_api_key) {
    authenticated_headers(route, request, caller ? &*caller : nullptr, response);
  }
  return response;
}

std::optional<ApiResponse> Api::admit(const ApiRequest& head, const http::Routing& routing) {
  if (routing.route == http::Routing::kNoRoute) {
    return error_response(ErrorKind::kNotFound);  // what handle() would answer, without reading the body
  }
  const Route& route = routes()[routing.route];
  if (route.access == Access::kSessionToken) {
    // A token this deployment did not make is refused as the handler would refuse it
    // (it checks the token before it looks at the body, which is empty here).
    if (!session_id_from_token(routing.id, options_.session_token_key)) {
      return handle(head, routing);
    }
    return std::nullopt;
  }
  if (route.access == Access::kPublic) {
    return std::nullopt;
  }
  try {
    identify_caller(directory_, head, route.access != Access::kBodySignatureOptional);
    return std::nullopt;
  } catch (const ApiError& e) {
    ApiResponse refusal = authentication_failure(head, e);
    authenticated_headers(route, head, nullptr, refusal);
    return refusal;
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", head.method, head.path, e.what());
    return error_response(ErrorKind::kInternal);
  }
}

std::shared_ptr<http::BodyDigest> Api::watch_body(const ApiRequest& head, const http::Routing& routing) {
  if (routing.route == http::Routing::kNoRoute) {
    return nullptr;
  }
  const Route& route = routes()[routing.route];
  if (route.access != Access::kBodySigned && route.access != Access::kBodySignatureOptional) {
    return nullptr;
  }
  return watch_body_signature(directory_, head, route.access != Access::kBodySignatureOptional);
}

ApiResponse Api::authentication_failure(const ApiRequest& request, const ApiError& error) {
  if (error_spec(error.kind()).http_status != 401) {
    return error_response(error);
  }
  // Keys that are not UUIDs are counted by address only: any string would do as a
  // key, and the table must not be filled with them.
  const std::string_view api_key =
      request.auth_client && auth::is_uuid(*request.auth_client) ? *request.auth_client : std::string_view();
  const auto verdict = throttle_.record_failure(api_key, request.client_address, clock_());
  if (verdict.retry_after_s) {
    return error_response(
        ApiError(ErrorKind::kTooManyRequests, {}, {{"Retry-After", std::to_string(*verdict.retry_after_s)}}));
  }
  ApiResponse response = error_response(error);
  response.delay = verdict.delay;
  return response;
}

void Api::authenticated_headers(const Route& route, const ApiRequest& request, const Caller* caller,
                                ApiResponse& response) {
  if (caller != nullptr && response.status != 401) {
    sign_response(response, *caller);
  } else if (request.auth_client) {
    // 401 carries the API key echoed back and no signature (the ine-registry page).
    response.headers.emplace_back("X-AUTH-CLIENT", std::string(*request.auth_client));
  }
  if (route.browser_cors) {
    add_cors_headers(request, caller, response);
  }
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
