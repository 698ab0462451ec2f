#include "veriff/webhooks.hpp"

#include "util/time.hpp"
#include "veriff/decision.hpp"
#include "veriff/ine_registry.hpp"
#include "veriff/json.hpp"

namespace inereg::veriff {
namespace {

// The registry-check version the INE webhook reports (the webhook sample's).
constexpr const char* kIneWebhookVersion = "1.0.0";

// The INE webhook's data.status for an answer.
constexpr const char* kIneStatusValid = "La credencial es válida";
constexpr const char* kIneStatusNotValid = "La credencial no es válida";

const char* action_of(SessionEvent event) {
  switch (event) {
    case SessionEvent::kStarted:
      return "started";
    case SessionEvent::kSubmitted:
      return "submitted";
  }
  return "";
}

// The INE webhook's body for `result` with `event_type`; `previous` adds data.previous.
boost::json::object ine_webhook_body(const store::Session& session, const char* event_type,
                                     const store::IneResult& result, const store::IneResult* previous) {
  boost::json::object data;
  data["status"] = result.active ? kIneStatusValid : kIneStatusNotValid;
  data["code"] = 200;
  data["details"] = ine_registry_result(result);
  if (previous != nullptr) {
    data["previous"] = ine_registry_result(*previous);
  }
  boost::json::object body;
  body["eventType"] = event_type;
  body["sessionId"] = session.id;
  body["attemptId"] = text_or_null(session.attempt_id);
  body["vendorData"] = string_or_null(session.vendor_data);
  body["endUserId"] = string_or_null(session.end_user_id);
  body["version"] = kIneWebhookVersion;
  body["time"] = util::format_iso8601_ms(result.checked_at);
  body["data"] = std::move(data);
  return body;
}

}  // namespace

std::string event_webhook(const store::Session& session, SessionEvent event) {
  boost::json::object body;
  body["id"] = session.id;
  body["attemptId"] = text_or_null(session.attempt_id);
  body["feature"] = "selfid";
  body["code"] = static_cast<int>(event);
  body["action"] = action_of(event);
  body["vendorData"] = string_or_null(session.vendor_data);
  body["endUserId"] = string_or_null(session.end_user_id);
  return to_json(body);
}

std::string decision_webhook(const store::Session& session) {
  return to_json(decision_body(session));
}

std::string ine_webhook(const store::Session& session, const store::IneResult& result) {
  return to_json(ine_webhook_body(session, "ine_registry", result, nullptr));
}

std::string ine_verdict_changed_webhook(const store::Session& session, const store::IneResult& previous,
                                        const store::IneResult& current) {
  return to_json(ine_webhook_body(session, kIneVerdictChangedEvent, current, &previous));
}

}  // namespace inereg::veriff
