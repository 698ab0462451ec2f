// GET /v1/sessions/{id}/attempts.
#include "api/api.hpp"
#include "util/time.hpp"
#include "veriff/json.hpp"

namespace inereg::api {

// Veriff lists a session's attempts newest first (veriff-api.md §4.11). In inereg an
// attempt begins when the session is submitted (PATCH) and the session is decided on
// that one attempt: no resubmission reopens it. So the list is derived from the
// session row itself — its attempt_id, status and submission time — with no table of
// its own: empty before the submit, one entry after.
ApiResponse Api::get_attempts(std::string_view session_id, Caller& caller) {
  const store::Session session = owned_session(session_id, caller);
  boost::json::array verifications;
  if (!session.attempt_id.empty()) {
    boost::json::object attempt;
    attempt["id"] = session.attempt_id;
    attempt["status"] = session.status;
    if (session.submitted_at) {
      attempt["createdTime"] = util::format_iso8601_ms(*session.submitted_at);
    }
    verifications.push_back(std::move(attempt));
  }
  boost::json::object body;
  body["status"] = "success";
  body["verifications"] = std::move(verifications);
  return ApiResponse{200, veriff::to_json(body)};
}

}  // namespace inereg::api
