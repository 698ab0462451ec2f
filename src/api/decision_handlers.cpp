// GET /v1/sessions/{id}/decision, /decision/ine-registry and /person, and inereg's
// /ine-registry/rechecks.
#include <boost/url/parse_query.hpp>

#include "api/api.hpp"
#include "api/errors.hpp"
#include "auth/secret_box.hpp"
#include "veriff/decision.hpp"
#include "veriff/ine_registry.hpp"
#include "veriff/json.hpp"

namespace inereg::api {
namespace {

// Registry-check versions accepted in ?version= (the reference page's and the
// INE webhook's examples).
bool is_supported_version(std::string_view version) {
  return version == "v1" || version == "1.0.0";
}

// The decimal Retry-After for a check still pending: the local registry answers in
// milliseconds, so clients polling every couple of seconds lose nothing.
constexpr const char* kPendingRetryAfterSeconds = "2";

std::optional<std::string> version_parameter(std::string_view query) {
  // Boost 1.81's parse_query builds its view from the NUL-terminated string at
  // query.data(), ignoring the length: on a view into the request buffer, the last
  // value ran on into " HTTP/1.1\r\n…" and "v1" stopped matching. Parse a copy.
  const std::string terminated(query);
  const auto params = boost::urls::parse_query(terminated);
  if (!params) {
    return std::nullopt;
  }
  for (const auto& param : *params) {
    if (param.key == "version") {
      return param.has_value ? param.value.decode() : std::string();
    }
  }
  return std::nullopt;
}

}  // namespace

ApiResponse Api::get_ine_registry(const ApiRequest& request, std::string_view session_id, Caller& caller) {
  const auto version = version_parameter(request.query);
  if (!version || version->empty()) {
    throw ApiError(ErrorKind::kMandatoryParameters, "Mandatory parameters are missing from the request: version.");
  }
  if (!is_supported_version(*version)) {
    throw ApiError(ErrorKind::kInvalidParameters, "Request includes invalid parameters: version must be v1 or 1.0.0.");
  }
  if (!auth::is_uuid(session_id)) {
    throw ApiError(ErrorKind::kNotFound);
  }
  const auto now = clock_();
  if (auto cached = results_.find(session_id, now)) {
    if (cached->integration_id != caller.integration->id) {
      throw ApiError(ErrorKind::kNotFound);
    }
    return ApiResponse{200, std::move(cached->body)};
  }
  const auto answer = store_.find_ine_answer(session_id);
  if (!answer || answer->integration_id != caller.integration->id) {
    throw ApiError(ErrorKind::kNotFound);
  }
  if (!answer->result) {
    if (sessions::awaits_check(sessions::stored_status(answer->status))) {
      throw ApiError(ErrorKind::kNotFound, {}, {{"Retry-After", kPendingRetryAfterSeconds}});
    }
    throw ApiError(ErrorKind::kNotFound);
  }
  std::string text = veriff::to_json(veriff::ine_registry_result(*answer->result));
  results_.put(session_id, ResultCache::Entry{answer->integration_id, text}, now);
  return ApiResponse{200, std::move(text)};
}

ApiResponse Api::get_decision(std::string_view session_id, Caller& caller) {
  return ApiResponse{200, veriff::to_json(veriff::decision_body(owned_session(session_id, caller)))};
}

ApiResponse Api::get_person(std::string_view session_id, Caller& caller) {
  return ApiResponse{200, veriff::to_json(veriff::person_body(owned_session(session_id, caller)))};
}

ApiResponse Api::get_ine_rechecks(std::string_view session_id, Caller& caller) {
  const auto session = owned_session(session_id, caller);
  const auto rechecks = store_.list_rechecks(session.id);
  return ApiResponse{200, veriff::to_json(veriff::ine_recheck_history(session.id, rechecks))};
}

}  // namespace inereg::api
