// GET /v1/sessions/{id}/decision, the registry results (/decision/ine-registry,
// /decision/curp-registry, /decision/combined-ine-curp-registry), /person, and
// inereg's /ine-registry/rechecks.
#include <boost/url/parse_query.hpp>

#include "api/api.hpp"
#include "api/errors.hpp"
#include "auth/secret_box.hpp"
#include "veriff/curp_registry.hpp"
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
  if (query == "version=v1") {
    return "v1";  // what nearly every client sends: no copy, no parse
  }
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

// Every registry result route's request checks: the required ?version= and a session id
// that can name a session.
void check_registry_request(const ApiRequest& request, std::string_view session_id) {
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
}

// A registry result that does not exist (yet): 404, with Retry-After while the session's
// checks are still running — an outage of a source keeps a check here, never turns it
// into a negative answer.
[[noreturn]] void throw_no_result(std::string_view session_status) {
  if (sessions::awaits_check(sessions::stored_status(session_status))) {
    throw ApiError(ErrorKind::kNotFound, {}, {{"Retry-After", kPendingRetryAfterSeconds}});
  }
  throw ApiError(ErrorKind::kNotFound);
}

// The session's registry answer, when the caller's integration owns it and the session
// gets `check` (a legacy endpoint for a check the integration does not have is 404, as
// for an unknown session: veriff-api.md documents no other answer).
store::CheckAnswer owned_check_answer(store::Store& store, std::string_view session_id, const Caller& caller,
                                      bool (*gets_check)(store::RegistryChecks)) {
  auto answer = store.find_check_answer(session_id);
  if (!answer || answer->integration_id != caller.integration->id || !gets_check(answer->registry_checks)) {
    throw ApiError(ErrorKind::kNotFound);
  }
  return std::move(*answer);
}

bool gets_both(store::RegistryChecks checks) {
  return checks == store::RegistryChecks::kBoth;
}

}  // namespace

ApiResponse Api::get_ine_registry(const ApiRequest& request, std::string_view session_id, Caller& caller) {
  check_registry_request(request, session_id);
  const auto now = clock_();
  if (auto cached = results_.find(session_id, caller.integration->id, now)) {
    return ApiResponse{200, std::move(*cached)};
  }
  const auto ticket = results_.reading(session_id);
  const auto answer = store_.find_ine_answer(session_id);
  if (!answer || answer->integration_id != caller.integration->id || !store::includes_ine(answer->registry_checks)) {
    throw ApiError(ErrorKind::kNotFound);
  }
  if (!answer->result) {
    throw_no_result(answer->status);
  }
  std::string text = veriff::to_json(veriff::ine_registry_result(*answer->result));
  results_.put(session_id, ResultCache::Entry{answer->integration_id, text}, now, ticket);
  return ApiResponse{200, std::move(text)};
}

ApiResponse Api::get_curp_registry(const ApiRequest& request, std::string_view session_id, Caller& caller) {
  check_registry_request(request, session_id);
  const auto answer = owned_check_answer(store_, session_id, caller, store::includes_curp);
  if (!answer.curp_result && !sessions::checks_over(sessions::stored_status(answer.status))) {
    throw_no_result(answer.status);
  }
  // A decided session without a CURP result: the check could not complete (no CURP, or
  // the session's other check failed for good first) — statusCurp null, as documented.
  const store::CurpResult* result = answer.curp_result ? &*answer.curp_result : nullptr;
  return ApiResponse{200, veriff::to_json(veriff::curp_registry_result(result, answer.curp))};
}

ApiResponse Api::get_combined_registry(const ApiRequest& request, std::string_view session_id, Caller& caller) {
  check_registry_request(request, session_id);
  const auto answer = owned_check_answer(store_, session_id, caller, gets_both);
  // Complete once both checks answered (the session is then decided) or one failed for
  // good (which decides the session too): until then, pending.
  if (!sessions::checks_over(sessions::stored_status(answer.status))) {
    throw_no_result(answer.status);
  }
  const store::SessionCheckResults results{std::string(session_id), answer.ine, answer.curp_result};
  return ApiResponse{200, veriff::to_json(veriff::combined_registry_result(results, answer.curp))};
}

ApiResponse Api::get_decision(std::string_view session_id, Caller& caller) {
  const store::Session session = owned_session(session_id, caller);
  store::SessionCheckResults results{session.id, {}, {}};
  if (const auto answer = store_.find_check_answer(session.id)) {
    results.ine = answer->ine;
    results.curp = answer->curp_result;
  }
  return ApiResponse{200, veriff::to_json(veriff::decision_body(session, results))};
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
