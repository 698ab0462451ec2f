// POST /v1/sessions, PATCH /v1/sessions/{id}, DELETE /v1/sessions/{id}.
#include <algorithm>

#include "api/api.hpp"
#include "api/document_mrz.hpp"
#include "api/errors.hpp"
#include "api/json_fields.hpp"
#include "api/session_token.hpp"
#include "api/session_validation.hpp"
#include "auth/secret_box.hpp"
#include "auth/signing.hpp"
#include "ine/credential.hpp"
#include "veriff/json.hpp"
#include "veriff/verification.hpp"

namespace inereg::api {
namespace {

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

// The session's verification summary, with its link to the verification page (GET /v/{token}).
std::string verification_summary(const store::Session& session, const ApiOptions& options) {
  const std::string token = make_session_token(session, options.session_token_key);
  const std::string url = options.public_url + "/v/" + token;
  return veriff::verification_summary(session, {.url = url, .host = options.public_url, .session_token = token});
}

std::string upper(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return text;
}

}  // namespace

ApiResponse Api::create_session(const ApiRequest& request, Caller& caller) {
  const boost::json::object root = parse_object_body(request.body);
  const boost::json::object* verification = optional_object(root, "verification", "verification");
  if (verification == nullptr) {
    throw ApiError(ErrorKind::kMandatoryParameters, "Mandatory parameters are missing from the request: verification.");
  }
  store::Session session;
  session.created_at = clock_();
  session.id = auth::time_ordered_uuid_v4(session.created_at);
  session.integration_id = caller.integration->id;
  session.registry_checks = caller.integration->registry_checks;  // the session keeps the setting it started with

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
  session.person_json = person ? veriff::to_json(*person) : "{}";
  session.document_json = document ? veriff::to_json(*document) : "{}";

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
  return ApiResponse{201, verification_summary(sessions_.create(std::move(session)), options_)};
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
  if (!sessions::is_known_status_name(*requested)) {
    throw ApiError(ErrorKind::kInvalidStatus);
  }
  const std::string not_allowed = "Cannot transition to \"" + *requested + "\" status.";
  if (*requested != sessions::status_name(sessions::Status::kSubmitted)) {
    (void)owned_session(session_id, caller);  // another's session or none: 404 first
    throw ApiError(ErrorKind::kTransitionNotAllowed, not_allowed);
  }
  if (!auth::is_uuid(session_id)) {
    throw ApiError(ErrorKind::kNotFound);
  }
  // The workflow checks the owner under the session's lock (no read before the write).
  // What the submit queues is sessions::submit_plan's; a document reading runs on the
  // check pipeline, never on this thread.
  auto submitted = sessions_.submit(session_id, auth::random_uuid_v4(), clock_(), caller.integration->id);
  if (submitted.outcome == sessions::SubmitResult::Outcome::kNotFound) {
    throw ApiError(ErrorKind::kNotFound);
  }
  if (submitted.outcome == sessions::SubmitResult::Outcome::kNotAllowed) {
    throw ApiError(ErrorKind::kTransitionNotAllowed, not_allowed);
  }
  return ApiResponse{200, verification_summary(*submitted.session, options_)};
}

ApiResponse Api::delete_session(std::string_view session_id, Caller& caller) {
  if (!options_.delete_enabled) {
    throw ApiError(ErrorKind::kDeleteDisabled);
  }
  const store::Session session = owned_session(session_id, caller);
  const util::TimeMs now = clock_();
  const auto outcome = sessions_.delete_session(session.id, caller.integration->id, options_.delete_limit, now);
  using Outcome = sessions::DeleteResult::Outcome;
  if (outcome.outcome == Outcome::kNotFound) {
    throw ApiError(ErrorKind::kNotFound);  // deleted meanwhile, e.g. through another node
  }
  if (outcome.outcome == Outcome::kNotDeletable) {
    throw ApiError(ErrorKind::kSessionNotCompleted);
  }
  if (outcome.outcome == Outcome::kRateLimited) {
    const util::TimeMs wait_ms = std::max<util::TimeMs>(outcome.retry_at - now, 0);
    throw ApiError(ErrorKind::kTooManyRequests, {}, {{"Retry-After", std::to_string((wait_ms + 999) / 1000)}});
  }
  results_.erase(session.id);
  return ApiResponse{200, veriff::deletion_confirmation(session)};
}

}  // namespace inereg::api
