#include "api/session_validation.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "api/errors.hpp"
#include "api/json_fields.hpp"

namespace inereg::api {
namespace {

// Veriff: "Timestamp must not be older than one hour."
constexpr util::TimeMs kMaxTimestampAgeMs = 3'600'000;

[[noreturn]] void invalid(std::string_view path, std::string_view requirement) {
  throw ApiError(ErrorKind::kInvalidParameters,
                 "Request includes invalid parameters: " + std::string(path) + " " + std::string(requirement) + ".");
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

// A string member that, when present and not empty, must be one of `allowed` (compared
// without case). Empty strings count as absent: browser forms send "" for unset fields.
template <std::size_t N>
void expect_one_of(const boost::json::object* parent, std::string_view key, std::string_view path,
                   const std::array<std::string_view, N>& allowed) {
  const auto value = optional_string(parent, key, path);
  if (!value || value->empty()) {
    return;
  }
  const std::string wanted = upper(*value);
  if (std::none_of(allowed.begin(), allowed.end(), [&](std::string_view a) { return upper(a) == wanted; })) {
    std::string list;
    for (const auto a : allowed) {
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    invalid(path, "must be one of " + list);
  }
}

void expect_date(const boost::json::object* parent, std::string_view key, std::string_view path) {
  const auto value = optional_string(parent, key, path);
  if (value && !value->empty() && !util::is_calendar_date(*value)) {
    throw ApiError(ErrorKind::kInvalidDate);
  }
}

void expect_boolean(const boost::json::object* parent, std::string_view key, std::string_view path) {
  const auto* member = parent ? parent->if_contains(key) : nullptr;
  if (member != nullptr && !member->is_null() && !member->is_bool()) {
    invalid(path, "must be a boolean");
  }
}

void check_callback(const boost::json::object& verification) {
  const auto callback = optional_string(&verification, "callback", "verification.callback");
  if (!callback || callback->empty()) {
    return;
  }
  const auto url = boost::urls::parse_absolute_uri(*callback);
  if (!url || url->scheme_id() != boost::urls::scheme::https || url->encoded_host().empty()) {
    throw ApiError(ErrorKind::kHttpsCallbackRequired);
  }
}

void check_person(const boost::json::object* person) {
  for (const char* key : {"firstName", "lastName", "idNumber", "phoneNumber", "email"}) {
    optional_string(person, key, "verification.person." + std::string(key));
  }
  expect_one_of(person, "gender", "verification.person.gender",
                std::array<std::string_view, 4>{"M", "MALE", "F", "FEMALE"});
  expect_one_of(person, "maritalStatus", "verification.person.maritalStatus",
                std::array<std::string_view, 4>{"single", "married", "divorced", "widowed"});
  expect_date(person, "dateOfBirth", "verification.person.dateOfBirth");
  expect_boolean(person, "isDeceased", "verification.person.isDeceased");
}

void check_document(const boost::json::object* document, bool ine_document) {
  const auto number = optional_string(document, "number", "verification.document.number");
  if (number && !number->empty() && !ine_document &&
      !std::all_of(number->begin(), number->end(), [](unsigned char c) { return std::isalnum(c) != 0; })) {
    invalid("verification.document.number", "may contain only letters A-Z and digits 0-9");
  }
  const auto country = optional_string(document, "country", "verification.document.country");
  if (country && !country->empty() &&
      (country->size() != 2 || !std::isalpha(static_cast<unsigned char>((*country)[0])) ||
       !std::isalpha(static_cast<unsigned char>((*country)[1])))) {
    invalid("verification.document.country", "must be an ISO 3166-1 alpha-2 code");
  }
  expect_one_of(document, "type", "verification.document.type",
                std::array<std::string_view, 4>{"ID_CARD", "PASSPORT", "DRIVERS_LICENSE", "RESIDENCE_PERMIT"});
  optional_string(document, "idCardType", "verification.document.idCardType");
  expect_date(document, "firstIssue", "verification.document.firstIssue");
}

void check_consents(const boost::json::object& verification) {
  const auto* consents = verification.if_contains("consents");
  if (consents == nullptr || consents->is_null()) {
    return;
  }
  if (!consents->is_array()) {
    invalid("verification.consents", "must be an array");
  }
  for (const auto& consent : consents->as_array()) {
    if (!consent.is_object()) {
      invalid("verification.consents[]", "must be an object");
    }
    expect_one_of(&consent.as_object(), "type", "verification.consents[].type",
                  std::array<std::string_view, 3>{"ine", "bipa", "aadhaar"});
    expect_boolean(&consent.as_object(), "approved", "verification.consents[].approved");
  }
}

// Legacy `features` (["selfid"] in Veriff's older demos): selfid is the one flow
// inereg has; anything else is a feature it does not offer.
void check_features(const boost::json::object& verification) {
  const auto* features = verification.if_contains("features");
  if (features == nullptr || features->is_null()) {
    return;
  }
  if (!features->is_array()) {
    invalid("verification.features", "must be an array");
  }
  for (const auto& feature : features->as_array()) {
    if (!feature.is_string()) {
      invalid("verification.features[]", "must be a string");
    }
    if (feature.as_string() != "selfid") {
      throw ApiError(ErrorKind::kFeaturesNotSupported);
    }
  }
}

}  // namespace

void validate_request_timestamp(const boost::json::object* verification, util::TimeMs now) {
  const auto* member = verification ? verification->if_contains("timestamp") : nullptr;
  if (member == nullptr || member->is_null()) {
    return;
  }
  const auto parsed = member->is_string() ? util::parse_iso8601(member->as_string()) : std::nullopt;
  if (!parsed) {
    throw ApiError(ErrorKind::kTimestampFormat);
  }
  // Only the past is bounded (as documented); a client clock running ahead is accepted.
  if (now - *parsed > kMaxTimestampAgeMs) {
    throw ApiError(ErrorKind::kTimestampTooOld);
  }
}

void validate_create_verification(const boost::json::object& verification, bool ine_document, util::TimeMs now) {
  check_callback(verification);
  check_person(optional_object(verification, "person", "verification.person"));
  check_document(optional_object(verification, "document", "verification.document"), ine_document);
  check_consents(verification);
  check_features(verification);
  validate_request_timestamp(&verification, now);
}

}  // namespace inereg::api
