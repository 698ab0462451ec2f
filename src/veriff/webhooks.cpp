#include "veriff/webhooks.hpp"

#include "ine/curp_status.hpp"
#include "util/time.hpp"
#include "veriff/curp_registry.hpp"
#include "veriff/decision.hpp"
#include "veriff/ine_registry.hpp"
#include "veriff/json.hpp"

namespace inereg::veriff {
namespace {

// The registry-check version the registry webhooks report (the samples').
constexpr const char* kRegistryWebhookVersion = "1.0.0";

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
  body["version"] = kRegistryWebhookVersion;
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

std::string decision_webhook(const store::Session& session, const store::SessionCheckResults& results) {
  return to_json(decision_body(session, results));
}

std::string ine_webhook(const store::Session& session, const store::IneResult& result) {
  return to_json(ine_webhook_body(session, "ine_registry", result, nullptr));
}

std::string ine_verdict_changed_webhook(const store::Session& session, const store::IneResult& previous,
                                        const store::IneResult& current) {
  return to_json(ine_webhook_body(session, kIneVerdictChangedEvent, current, &previous));
}

std::string curp_webhook(const store::Session& session, const store::CurpResult& result) {
  boost::json::object data;
  data["attemptId"] = text_or_null(session.attempt_id);
  data["name"] = "curp_registry";
  data["status"] = result.status == ine::kCurpNotFound ? "not_found" : "found";
  data["code"] = 200;
  data["details"] = curp_details(result, session.credential.curp);
  boost::json::object body;
  body["type"] = "curp_registry";
  body["id"] = session.id;
  body["vendorData"] = string_or_null(session.vendor_data);
  body["endUserId"] = string_or_null(session.end_user_id);
  body["version"] = kRegistryWebhookVersion;
  body["data"] = std::move(data);
  return to_json(body);
}

std::string combined_webhook(const store::Session& session, const store::SessionCheckResults& results) {
  boost::json::object body;
  body["eventType"] = "combined-ine-curp-registry";
  body["sessionId"] = session.id;
  body["attemptId"] = text_or_null(session.attempt_id);
  body["vendorData"] = string_or_null(session.vendor_data);
  body["endUserId"] = string_or_null(session.end_user_id);
  body["version"] = kRegistryWebhookVersion;
  body["time"] = session.decided_at ? boost::json::value(util::format_iso8601_ms(*session.decided_at).c_str())
                                    : boost::json::value(nullptr);
  body["data"] = boost::json::object{{"details", combined_parts(results, session.credential.curp)}};
  return to_json(body);
}

namespace {

void null_personal_members(boost::json::value& value) {
  if (auto* object = value.if_object()) {
    for (auto& member : *object) {
      const std::string_view key = member.key();
      if (key == "vendorData" || key == "endUserId" || key == "person" || key == "document" || key == "curp") {
        member.value() = nullptr;
      } else {
        null_personal_members(member.value());
      }
    }
  } else if (auto* array = value.if_array()) {
    for (auto& element : *array) {
      null_personal_members(element);
    }
  }
}

}  // namespace

std::string without_personal_data(std::string_view body) {
  boost::system::error_code error;
  auto value = boost::json::parse(body, error);
  if (error) {
    return {};
  }
  null_personal_members(value);
  return to_json(value);
}

}  // namespace inereg::veriff
