// POST /v1/sessions, PATCH /v1/sessions/{id}, DELETE /v1/sessions/{id}.
#include <algorithm>
#include <array>

#include "api/api.hpp"
#include "api/document_mrz.hpp"
#include "api/errors.hpp"
#include "api/json_fields.hpp"
#include "api/session_token.hpp"
#include "api/session_validation.hpp"
#include "api/submit_plan.hpp"
#include "auth/secret_box.hpp"
#include "auth/signing.hpp"
#include "ine/credential.hpp"

namespace inereg::api {
namespace {

namespace status = store::session_status;

constexpr std::size_t kMaxVendorDataSymbols = 1000;

std::size_t utf8_code_points(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

// {"status":"success","verification":{"id","url","vendorData","host","status","sessionToken"}}
std::string verification_summary(const store::Session& session, const ApiOptions& options) {
  const std::string token = make_session_token(session, options.session_token_key);
  boost::json::object verification;
  verification["id"] = session.id;
  verification["url"] = options.public_url + "/v/" + token;
  verification["vendorData"] = string_or_null(session.vendor_data);
  verification["host"] = options.public_url;
  verification["status"] = session.status;
  verification["sessionToken"] = token;
  boost::json::object body;
  body["status"] = "success";
  body["verification"] = std::move(verification);
  return to_json(body);
}

std::string upper(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return text;
}

bool is_known_status(std::string_view s) {
  constexpr std::array kStatuses = {status::kCreated,  status::kStarted,  status::kSubmitted,
                                    status::kApproved, status::kDeclined, status::kResubmissionRequested,
                                    status::kExpired,  status::kAbandoned};
  for (const char* known : kStatuses) {
    if (s == known) {
      return true;
    }
  }
  return s == "review";
}

// Veriff deletes sessions that are not in progress (veriff-api.md §4.6): all but
// `submitted` (and `review`, which inereg never sets).
bool is_deletable_status(std::string_view s) {
  constexpr std::array kDeletable = {
      status::kCreated, status::kStarted,  status::kApproved, status::kDeclined, status::kResubmissionRequested,
      status::kExpired, status::kAbandoned};
  return std::find(kDeletable.begin(), kDeletable.end(), s) != kDeletable.end();
}

}  // namespace

ApiResponse Api::create_session(const ApiRequest& request, Caller& caller) {
  const boost::json::object root = parse_object_body(request.body);
  const boost::json::object* verification = optional_object(root, "verification", "verification");
  if (verification == nullptr) {
    throw ApiError(ErrorKind::kMandatoryParameters, "Mandatory parameters are missing from the request: verification.");
  }
  store::Session session;
  session.id = auth::random_uuid_v4();
  session.integration_id = caller.integration->id;
  session.created_at = clock_();

  if (const auto* vendor_data = verification->if_contains("vendorData");
      vendor_data != nullptr && !vendor_data->is_null()) {
    if (!vendor_data->is_string()) {
      throw ApiError(ErrorKind::kVendorDataNotString);
    }
    if (utf8_code_points(vendor_data->as_string()) > kMaxVendorDataSymbols) {
      throw ApiError(ErrorKind::kVendorDataTooLong);
    }
    session.vendor_data = std::string(vendor_data->as_string());
  }
  session.end_user_id = optional_string(verification, "endUserId", "verification.endUserId");
  if (session.end_user_id && !auth::is_uuid(*session.end_user_id)) {
    throw ApiError(ErrorKind::kInvalidParameters,
                   "Request includes invalid parameters: verification.endUserId must be a UUID.");
  }
  session.callback = optional_string(verification, "callback", "verification.callback");

  const auto* person = optional_object(*verification, "person", "verification.person");
  const auto* document = optional_object(*verification, "document", "verification.document");
  session.person_json = person ? to_json(*person) : "{}";
  session.document_json = document ? to_json(*document) : "{}";

  // Only a Mexican ID card (country MX or absent, type ID_CARD or absent) is an INE
  // credential; any other document is stored as Veriff would store it, unchecked.
  const std::string country = upper(optional_string(document, "country", "document.country").value_or(""));
  const std::string type = upper(optional_string(document, "type", "document.type").value_or(""));
  session.ine_document = (country.empty() || country == "MX") && (type.empty() || type == "ID_CARD");
  validate_create_verification(*verification, session.ine_document, session.created_at);
  if (session.ine_document) {
    ine::CredentialFields fields;
    fields.document_number = optional_string(document, "number", "document.number");
    fields.issue_number = optional_string(document, "issueNumber", "document.issueNumber");
    fields.ine_identifier = optional_string(person, "ineIdentifier", "person.ineIdentifier");
    fields.ife_identifier = optional_string(person, "ifeIdentifier", "person.ifeIdentifier");
    fields.elector_number = optional_string(person, "electorNumber", "person.electorNumber");
    fields.id_number = optional_string(person, "idNumber", "person.idNumber");
    auto parsed = ine::parse_credential(fields);
    if (parsed.error) {
      throw ApiError(ErrorKind::kInvalidParameters, "Request includes invalid parameters: " + parsed.error->message);
    }
    session.credential = credential_with_document_mrz(document, fields, std::move(*parsed.credential));
  }
  store_.insert_session(session);
  ApiResponse response{201, verification_summary(session, options_)};
  return response;
}

ApiResponse Api::update_session(const ApiRequest& request, std::string_view session_id, Caller& caller) {
  const boost::json::object root = parse_object_body(request.body);
  const auto* verification = optional_object(root, "verification", "verification");
  const auto requested = optional_string(verification, "status", "verification.status");
  if (!requested) {
    throw ApiError(ErrorKind::kMandatoryParameters,
                   "Mandatory parameters are missing from the request: verification.status.");
  }
  validate_request_timestamp(verification, clock_());
  if (!is_known_status(*requested)) {
    throw ApiError(ErrorKind::kInvalidStatus);
  }
  store::Session session = owned_session(session_id, caller);
  const std::string not_allowed = "Cannot transition to \"" + *requested + "\" status.";
  if (*requested != status::kSubmitted) {
    throw ApiError(ErrorKind::kTransitionNotAllowed, not_allowed);
  }
  const std::string attempt_id = auth::random_uuid_v4();
  const auto outcome =
      store_.submit_session(session.id, attempt_id, submit_plan_for(session), status::kResubmissionRequested, clock_());
  if (outcome == store::SubmitOutcome::kNotFound) {
    throw ApiError(ErrorKind::kNotFound);
  }
  if (outcome == store::SubmitOutcome::kNotAllowed) {
    throw ApiError(ErrorKind::kTransitionNotAllowed, not_allowed);
  }
  if (session.ine_document && on_check_queued_) {
    on_check_queued_();
  }
  session.status = status::kSubmitted;
  return ApiResponse{200, verification_summary(session, options_)};
}

ApiResponse Api::delete_session(std::string_view session_id, Caller& caller) {
  if (!options_.delete_enabled) {
    throw ApiError(ErrorKind::kDeleteDisabled);
  }
  const store::Session session = owned_session(session_id, caller);
  if (!is_deletable_status(session.status)) {
    throw ApiError(ErrorKind::kSessionNotCompleted);
  }
  const util::TimeMs now = clock_();
  const auto outcome =
      store_.delete_session_rate_limited(session.id, caller.integration->id, options_.delete_limit, now);
  if (outcome.kind == store::DeleteOutcome::Kind::kNotFound) {
    throw ApiError(ErrorKind::kNotFound);  // deleted meanwhile, e.g. through another node
  }
  if (outcome.kind == store::DeleteOutcome::Kind::kRateLimited) {
    ApiResponse limited{429, error_body(ErrorKind::kTooManyRequests, error_spec(ErrorKind::kTooManyRequests).message)};
    const util::TimeMs wait_ms = std::max<util::TimeMs>(outcome.retry_at - now, 0);
    limited.headers.emplace_back("Retry-After", std::to_string((wait_ms + 999) / 1000));
    return limited;
  }
  results_.erase(session.id);
  boost::json::object body;
  body["status"] = "success";
  body["verification"] = boost::json::object{{"id", session.id}};
  return ApiResponse{200, to_json(body)};
}

}  // namespace inereg::api
