#include "webhooks/payloads.hpp"

#include <boost/json.hpp>

#include "api/decision_body.hpp"
#include "api/json_fields.hpp"
#include "util/time.hpp"

namespace inereg::webhooks {
namespace {

// The registry-check version the INE webhook reports (the webhook sample's).
constexpr const char* kIneWebhookVersion = "1.0.0";

boost::json::value text_or_null(const std::string& text) {
  return text.empty() ? boost::json::value(nullptr) : boost::json::value(boost::json::string(text));
}

// {"id","attemptId","feature","code","action","vendorData","endUserId"} (§5.4).
std::string event_body(const store::Session& session, int code, const char* action) {
  boost::json::object body;
  body["id"] = session.id;
  body["attemptId"] = text_or_null(session.attempt_id);
  body["feature"] = "selfid";
  body["code"] = code;
  body["action"] = action;
  body["vendorData"] = api::string_or_null(session.vendor_data);
  body["endUserId"] = api::string_or_null(session.end_user_id);
  return api::to_json(body);
}

std::string ine_body(const store::Session& session, const store::IneResult& result) {
  // Field for field what GET …/decision/ine-registry answers.
  boost::json::object details;
  details["active"] = result.active;
  details["documentState"] = result.document_state;
  boost::json::object data;
  data["status"] = result.active ? kIneStatusValid : kIneStatusNotValid;
  data["code"] = 200;
  data["details"] = std::move(details);
  boost::json::object body;
  body["eventType"] = "ine_registry";
  body["sessionId"] = session.id;
  body["attemptId"] = text_or_null(session.attempt_id);
  body["vendorData"] = api::string_or_null(session.vendor_data);
  body["endUserId"] = api::string_or_null(session.end_user_id);
  body["version"] = kIneWebhookVersion;
  body["time"] = util::format_iso8601_ms(result.checked_at);
  body["data"] = std::move(data);
  return api::to_json(body);
}

}  // namespace

std::vector<store::WebhookDraft> WebhookPayloads::compose(const store::SessionChange& change) const {
  using Kind = store::SessionChange::Kind;
  std::vector<store::WebhookDraft> drafts;
  switch (change.kind) {
    case Kind::kStarted:
      drafts.push_back({store::WebhookKind::kEvent, event_body(change.session, 7001, "started")});
      break;
    case Kind::kSubmitted:
      drafts.push_back({store::WebhookKind::kEvent, event_body(change.session, 7002, "submitted")});
      break;
    case Kind::kDecided:
      if (change.result != nullptr) {
        drafts.push_back({store::WebhookKind::kIne, ine_body(change.session, *change.result)});
      }
      drafts.push_back({store::WebhookKind::kDecision, api::to_json(api::decision_body(change.session))});
      break;
  }
  return drafts;
}

}  // namespace inereg::webhooks
