// GET /v1/sessions/{id}/decision, /decision/ine-registry and /person.
#include <boost/url/parse_query.hpp>

#include "api/api.hpp"
#include "api/errors.hpp"
#include "api/json_fields.hpp"
#include "auth/secret_box.hpp"
#include "util/time.hpp"

namespace inereg::api {
namespace {

namespace status = store::session_status;

// Registry-check versions accepted in ?version= (the reference page's and the
// INE webhook's examples).
bool is_supported_version(std::string_view version) {
  return version == "v1" || version == "1.0.0";
}

// The decimal Retry-After for a check still pending: the local registry answers in
// milliseconds, so clients polling every couple of seconds lose nothing.
constexpr const char* kPendingRetryAfterSeconds = "2";

struct DecisionCode {
  int code;
  std::optional<std::string> reason;
  std::optional<int> reason_code;
};

std::optional<DecisionCode> decision_code(std::string_view session_status) {
  if (session_status == status::kApproved) {
    return DecisionCode{9001, std::nullopt, std::nullopt};
  }
  if (session_status == status::kDeclined) {
    return DecisionCode{9102, "Unable to pass registry checks", 123};
  }
  if (session_status == status::kResubmissionRequested) {
    return DecisionCode{9103, "INE credential data missing: no registry check could be run", std::nullopt};
  }
  if (session_status == status::kExpired || session_status == status::kAbandoned) {
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

boost::json::value text_or_null(const std::string& text) {
  return text.empty() ? boost::json::value(nullptr) : boost::json::value(boost::json::string(text));
}

// The person as sent at creation, with the INE identifiers in their normalized form.
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
    ApiResponse response{404, error_body(ErrorKind::kNotFound, error_spec(ErrorKind::kNotFound).message)};
    if (answer->status == status::kSubmitted) {
      response.headers.emplace_back("Retry-After", kPendingRetryAfterSeconds);
    }
    return response;
  }
  boost::json::object body;
  body["active"] = answer->result->active;
  body["documentState"] = answer->result->document_state;
  std::string text = to_json(body);
  results_.put(session_id, ResultCache::Entry{answer->integration_id, text}, now);
  return ApiResponse{200, std::move(text)};
}

ApiResponse Api::get_decision(std::string_view session_id, Caller& caller) {
  const store::Session session = owned_session(session_id, caller);
  boost::json::object body;
  body["status"] = "success";
  const auto code = decision_code(session.status);
  if (!code) {
    body["verification"] = nullptr;  // no decision yet
    return ApiResponse{200, to_json(body)};
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
  v["additionalVerifiedData"] = boost::json::object();
  v["riskLabels"] = boost::json::array();
  v["comments"] = boost::json::array();
  v["highRisk"] = false;
  body["verification"] = std::move(v);
  body["technicalData"] = boost::json::object{{"ip", nullptr}};
  return ApiResponse{200, to_json(body)};
}

ApiResponse Api::get_person(std::string_view session_id, Caller& caller) {
  const store::Session session = owned_session(session_id, caller);
  boost::json::object person = person_object(session);
  person["pepSanctionMatches"] = boost::json::array();
  boost::json::object body;
  body["status"] = "success";
  body["person"] = std::move(person);
  return ApiResponse{200, to_json(body)};
}

}  // namespace inereg::api
