#include "registry/upstream_protocol.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <ctime>

#include "ine/curp_status.hpp"
#include "ine/identifiers.hpp"

namespace inereg::registry {
namespace json = boost::json;
namespace {

std::optional<std::string> string_field(const json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) {
    return std::nullopt;
  }
  return std::string(value->as_string());
}

}  // namespace

std::optional<std::string> canonical_key_from_request(std::string_view body) {
  json::error_code error;
  const auto parsed = json::parse(body, error);
  if (error || !parsed.is_object()) {
    return std::nullopt;
  }
  const auto& object = parsed.as_object();
  const auto form = string_field(object, "form");
  if (!form) {
    return std::nullopt;
  }
  ine::Credential credential;
  std::optional<ine::LookupForm> lookup_form;
  if (*form == "EH") {
    lookup_form = ine::LookupForm::kCicCitizenId;
    credential.cic = string_field(object, "cic").value_or("");
    credential.citizen_id = string_field(object, "idCiudadano").value_or("");
    if (!ine::is_cic(credential.cic) || !ine::is_citizen_id(credential.citizen_id)) {
      return std::nullopt;
    }
  } else if (*form == "D") {
    lookup_form = ine::LookupForm::kCicOcr;
    credential.cic = string_field(object, "cic").value_or("");
    credential.ocr = string_field(object, "ocr").value_or("");
    if (!ine::is_cic(credential.cic) || !ine::is_ocr(credential.ocr)) {
      return std::nullopt;
    }
  } else if (*form == "C") {
    lookup_form = ine::LookupForm::kElectorKeyEmissionOcr;
    credential.elector_key = string_field(object, "claveElector").value_or("");
    credential.emission_number = string_field(object, "numeroEmision").value_or("");
    credential.ocr = string_field(object, "ocr").value_or("");
    if (!ine::is_elector_key(credential.elector_key) || credential.emission_number.size() != 2 ||
        !ine::is_emission_number(credential.emission_number) || !ine::is_ocr(credential.ocr)) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  const auto key = ine::lookup_key(*lookup_form, credential);
  if (!key) {
    return std::nullopt;
  }
  return key->canonical;
}

std::string upstream_answer_body(int situation) {
  return json::serialize(json::object{{"situacion", situation}});
}

std::string upstream_curp_answer_body(int status) {
  const auto known = ine::curp_status_by_id(status);
  return json::serialize(
      json::object{{"statusCurp", known ? json::value(json::string(known->code)) : json::value(nullptr)}});
}

std::optional<std::int64_t> parse_retry_after_ms(std::string_view value, std::int64_t now_unix_ms) {
  while (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  while (!value.empty() && value.back() == ' ') {
    value.remove_suffix(1);
  }
  if (value.empty()) {
    return std::nullopt;
  }
  std::int64_t seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) {
      return std::nullopt;
    }
    return seconds * 1000;
  }
  // IMF-fixdate, the only HTTP-date form senders may generate (RFC 9110 §5.6.7).
  std::tm parts{};
  const std::string text(value);
  const char* rest = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (rest == nullptr || *rest != '\0') {
    return std::nullopt;
  }
  const std::int64_t at_ms = static_cast<std::int64_t>(::timegm(&parts)) * 1000;
  return std::max<std::int64_t>(0, at_ms - now_unix_ms);
}

}  // namespace inereg::registry
