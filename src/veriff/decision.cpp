#include "veriff/decision.hpp"

#include "ine/curp_status.hpp"
#include "ine/situation.hpp"
#include "sessions/status.hpp"
#include "util/time.hpp"
#include "veriff/json.hpp"

namespace inereg::veriff {
namespace {

using sessions::Status;

struct DecisionCode {
  int code;
  std::optional<std::string> reason;
  std::optional<int> reason_code;
};

// Veriff's resubmission reason for a session whose document images were read
// (veriff-api.md §6.9). Unreadable: 204 "Poor image quality", Veriff's code for a
// document it cannot read, with the text saying what could not be read. A read MRZ that
// contradicts the typed data has no resubmission code of its own in the documented
// table (104 is a decline), so reasonCode stays null and the text says it.
std::optional<DecisionCode> document_reading_code(std::string_view reason) {
  if (reason == store::decision_reason::kDocumentUnreadable) {
    return DecisionCode{9103, "Poor image quality: the machine-readable zone of the document could not be read", 204};
  }
  if (reason == store::decision_reason::kDocumentMismatch) {
    return DecisionCode{9103, "Document data does not match the data sent with the session", std::nullopt};
  }
  return std::nullopt;
}

std::optional<DecisionCode> decision_code(std::string_view session_status, std::string_view decision_reason) {
  const auto status = sessions::parse_status(session_status);
  if (status == Status::kResubmissionRequested) {
    if (auto reading = document_reading_code(decision_reason)) {
      return reading;
    }
  }
  if (status == Status::kApproved) {
    return DecisionCode{9001, std::nullopt, std::nullopt};
  }
  if (status == Status::kDeclined) {
    return DecisionCode{9102, "Unable to pass registry checks", 123};
  }
  if (status == Status::kResubmissionRequested) {
    return DecisionCode{9103, "INE credential data missing: no registry check could be run", std::nullopt};
  }
  if (status == Status::kExpired || status == Status::kAbandoned) {
    return DecisionCode{9104, std::nullopt, std::nullopt};
  }
  return std::nullopt;
}

boost::json::object parse_stored(const std::string& json) {
  boost::system::error_code ec;
  auto value = boost::json::parse(json, ec);
  return (!ec && value.is_object()) ? std::move(value.as_object()) : boost::json::object();
}

boost::json::value member_or_null(const boost::json::object& object, std::string_view key) {
  const auto* member = object.if_contains(key);
  return member ? *member : boost::json::value(nullptr);
}

boost::json::object document_object(const store::Session& session) {
  const auto sent = parse_stored(session.document_json);
  boost::json::object document;
  document["type"] = member_or_null(sent, "type");
  document["number"] = member_or_null(sent, "number");
  document["country"] = member_or_null(sent, "country");
  document["validFrom"] = member_or_null(sent, "validFrom");
  document["validUntil"] = member_or_null(sent, "validUntil");
  document["issueNumber"] = text_or_null(session.credential.emission_number);
  document["ineIdentifier"] = text_or_null(session.credential.cic);
  return document;
}

}  // namespace

boost::json::object person_object(const store::Session& session) {
  const auto sent = parse_stored(session.person_json);
  boost::json::object person;
  for (const char* key : {"firstName", "lastName", "dateOfBirth", "gender", "nationality"}) {
    person[key] = member_or_null(sent, key);
  }
  person["idNumber"] = session.credential.curp.empty() ? member_or_null(sent, "idNumber")
                                                       : boost::json::value(session.credential.curp.c_str());
  person["ineIdentifier"] = text_or_null(session.credential.citizen_id);
  person["ifeIdentifier"] = text_or_null(session.credential.ocr);
  person["electorNumber"] = text_or_null(session.credential.elector_key);
  return person;
}

boost::json::object person_body(const store::Session& session) {
  boost::json::object person = person_object(session);
  person["pepSanctionMatches"] = boost::json::array();
  boost::json::object body;
  body["status"] = "success";
  body["person"] = std::move(person);
  return body;
}

namespace {

boost::json::value time_or_null(const std::optional<store::TimeMs>& at) {
  return at ? boost::json::value(util::format_iso8601_ms(*at).c_str()) : boost::json::value(nullptr);
}

// What every check's detail says of the answer: the source that gave it ("" before
// sources were recorded: null), the vendor's message code, and when the registry's data
// was current — the local snapshot's import date or the upstream's answer time (each
// null when it does not apply or was not recorded).
void add_answer_detail(boost::json::object& detail, const std::string& source, const std::optional<int>& message_code,
                       const std::optional<store::TimeMs>& answered_at,
                       const std::optional<store::TimeMs>& snapshot_at) {
  detail["source"] = source.empty() ? boost::json::value(nullptr) : boost::json::value(source.c_str());
  detail["messageCode"] = message_code ? boost::json::value(*message_code) : boost::json::value(nullptr);
  detail["snapshotDate"] = time_or_null(snapshot_at);
  detail["answeredAt"] = time_or_null(answered_at);
}

}  // namespace

boost::json::object registry_details(const store::SessionCheckResults& results) {
  boost::json::object details;
  if (results.ine) {
    const auto policy = ine::policy_for_situation(results.ine->situation);
    boost::json::object ine;
    add_answer_detail(ine, results.ine->source, results.ine->message_code, results.ine->answered_at,
                      results.ine->snapshot_at);
    ine["situationId"] = results.ine->situation;
    ine["situationName"] = policy ? boost::json::value(boost::json::string(policy->name)) : boost::json::value(nullptr);
    ine["active"] = results.ine->active;
    ine["documentState"] = results.ine->document_state;
    ine["checkedAt"] = util::format_iso8601_ms(results.ine->checked_at);
    details["ineRegistryValidation"] = std::move(ine);
  }
  if (results.curp) {
    const auto status = ine::curp_status_by_id(results.curp->status);
    boost::json::object curp;
    add_answer_detail(curp, results.curp->source, results.curp->message_code, results.curp->answered_at,
                      results.curp->snapshot_at);
    curp["situationId"] = results.curp->status;
    curp["situationName"] =
        status ? boost::json::value(boost::json::string(status->code)) : boost::json::value(nullptr);
    curp["active"] = status && status->active;
    curp["description"] =
        status ? boost::json::value(boost::json::string(status->description)) : boost::json::value(nullptr);
    curp["checkedAt"] = util::format_iso8601_ms(results.curp->checked_at);
    details["curpRegistryValidation"] = std::move(curp);
  }
  return details;
}

boost::json::object decision_body(const store::Session& session, const store::SessionCheckResults& results) {
  boost::json::object body;
  body["status"] = "success";
  const auto code = decision_code(session.status, session.decision_reason);
  if (!code) {
    body["verification"] = nullptr;  // no decision yet
    return body;
  }
  boost::json::object v;
  v["id"] = session.id;
  v["attemptId"] = text_or_null(session.attempt_id);
  v["vendorData"] = string_or_null(session.vendor_data);
  v["endUserId"] = string_or_null(session.end_user_id);
  v["status"] = session.status;
  v["code"] = code->code;
  v["reason"] = string_or_null(code->reason);
  v["reasonCode"] = code->reason_code ? boost::json::value(*code->reason_code) : boost::json::value(nullptr);
  v["decisionTime"] = session.decided_at ? boost::json::value(util::format_iso8601_ms(*session.decided_at).c_str())
                                         : boost::json::value(nullptr);
  v["acceptanceTime"] = session.submitted_at
                            ? boost::json::value(util::format_iso8601_ms(*session.submitted_at).c_str())
                            : boost::json::value(nullptr);
  v["person"] = person_object(session);
  v["document"] = document_object(session);
  v["additionalVerifiedData"] = registry_details(results);
  v["riskLabels"] = boost::json::array();
  v["comments"] = boost::json::array();
  v["highRisk"] = false;
  body["verification"] = std::move(v);
  body["technicalData"] = boost::json::object{{"ip", nullptr}};
  return body;
}

}  // namespace inereg::veriff
