#include "api/api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "api/errors.hpp"
#include "auth/secret_box.hpp"

namespace inereg::api {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 1;  // path starts with '/'
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    segments.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return segments;
}

ApiResponse error_response(ErrorKind kind, std::string_view message) {
  ApiResponse response;
  response.status = error_spec(kind).http_status;
  response.body = error_body(kind, message);
  return response;
}

enum class Route {
  kCreateSession,
  kUpdateSession,
  kDeleteSession,
  kDecision,
  kIneRegistry,
  kPerson,
  kHealth,
  kUploadMedia,
  kListMedia,
  kGetMedia
};

struct Match {
  Route route;
  std::string_view session_id;  // the path's id: a media id for GET /v1/media/{id}
};

// JSON members, context, timestamp and a data-URI prefix around the base64 content.
constexpr std::size_t kMediaEnvelopeBytes = 64 * 1024;

std::optional<Match> match_route(std::string_view method, std::string_view path) {
  if (path == "/healthz" && method == "GET") {
    return Match{Route::kHealth, {}};
  }
  const auto s = split_path(path);
  if (s.size() == 3 && s[0] == "v1" && s[1] == "media" && !s[2].empty() && method == "GET") {
    return Match{Route::kGetMedia, s[2]};
  }
  if (s.size() < 2 || s[0] != "v1" || s[1] != "sessions") {
    return std::nullopt;
  }
  if (s.size() == 2) {
    return method == "POST" ? std::optional(Match{Route::kCreateSession, {}}) : std::nullopt;
  }
  const std::string_view id = s[2];
  if (id.empty()) {
    return std::nullopt;
  }
  if (s.size() == 3) {
    if (method == "PATCH") {
      return Match{Route::kUpdateSession, id};
    }
    if (method == "DELETE") {
      return Match{Route::kDeleteSession, id};
    }
    return std::nullopt;
  }
  if (s.size() == 4 && s[3] == "media" && method == "POST") {
    return Match{Route::kUploadMedia, id};
  }
  if (method != "GET") {
    return std::nullopt;
  }
  if (s.size() == 4 && s[3] == "media") {
    return Match{Route::kListMedia, id};
  }
  if (s.size() == 4 && s[3] == "decision") {
    return Match{Route::kDecision, id};
  }
  if (s.size() == 4 && s[3] == "person") {
    return Match{Route::kPerson, id};
  }
  if (s.size() == 5 && s[3] == "decision" && s[4] == "ine-registry") {
    return Match{Route::kIneRegistry, id};
  }
  return std::nullopt;
}

}  // namespace

std::size_t max_body_bytes_for(std::string_view method, std::string_view path, const MediaOptions& media,
                               std::size_t default_limit) {
  const auto match = match_route(method, path);
  if (match && match->route == Route::kUploadMedia) {
    return std::max(default_limit, media.max_upload_bytes + kMediaEnvelopeBytes);
  }
  return default_limit;
}

bool needs_blocking_pool(std::string_view method, std::string_view path) {
  const auto match = match_route(method, path);
  return match && match->route == Route::kGetMedia;
}

Api::Api(store::Store& store, auth::IntegrationDirectory& directory, ApiOptions options, Clock clock,
         CheckQueued on_check_queued)
    : store_(store),
      directory_(directory),
      options_(std::move(options)),
      clock_(std::move(clock)),
      on_check_queued_(std::move(on_check_queued)),
      results_(options_.result_cache_ms) {}

ApiResponse Api::handle(const ApiRequest& request) {
  const auto match = match_route(request.method, request.path);
  if (!match) {
    return error_response(ErrorKind::kNotFound, error_spec(ErrorKind::kNotFound).message);
  }
  if (match->route == Route::kHealth) {
    return ApiResponse{200, R"({"status":"ok"})"};
  }
  // POST and PATCH sign the raw body; GET and DELETE the session id as it is in the path.
  const bool body_signed = request.method == "POST" || request.method == "PATCH";
  std::optional<Caller> caller;
  ApiResponse response;
  try {
    caller = authenticate(directory_, request, body_signed ? SignedPart::kBody : SignedPart::kPathId,
                          body_signed ? request.body : match->session_id, match->route != Route::kCreateSession);
    switch (match->route) {
      case Route::kCreateSession:
        response = create_session(request, *caller);
        break;
      case Route::kUpdateSession:
        response = update_session(request, match->session_id, *caller);
        break;
      case Route::kDeleteSession:
        response = delete_session(match->session_id, *caller);
        break;
      case Route::kDecision:
        response = get_decision(match->session_id, *caller);
        break;
      case Route::kIneRegistry:
        response = get_ine_registry(request, match->session_id, *caller);
        break;
      case Route::kPerson:
        response = get_person(match->session_id, *caller);
        break;
      case Route::kUploadMedia:
        response = upload_media(request, match->session_id, *caller);
        break;
      case Route::kListMedia:
        response = list_media(match->session_id, *caller);
        break;
      case Route::kGetMedia:
        response = get_media(match->session_id, *caller);
        break;
      case Route::kHealth:
        break;
    }
  } catch (const ApiError& e) {
    response = error_response(e.kind(), e.public_message());
  } catch (const std::exception& e) {
    // The client sees only "Something went wrong"; the detail stays in the log.
    spdlog::error("{} {}: {}", request.method, request.path, e.what());
    response = error_response(ErrorKind::kInternal, error_spec(ErrorKind::kInternal).message);
  }
  if (caller && response.status != 401) {
    sign_response(response, *caller);
  } else if (request.auth_client) {
    // 401 carries the API key echoed back and no signature (the ine-registry page).
    response.headers.emplace_back("X-AUTH-CLIENT", std::string(*request.auth_client));
  }
  return response;
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
