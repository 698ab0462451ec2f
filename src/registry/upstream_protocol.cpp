#include "registry/upstream_protocol.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <ctime>

#include "ine/curp_status.hpp"
#include "ine/identifiers.hpp"
#include "ine/message_codes.hpp"
#include "ine/situation.hpp"

namespace inereg::registry {
namespace json = boost::json;
namespace {

// Splits "EH|187006412|118903355" at '|'.
std::vector<std::string_view> parts_of(std::string_view canonical) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto bar = canonical.find('|', start);
    parts.push_back(canonical.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start));
    if (bar == std::string_view::npos) {
      return parts;
    }
    start = bar + 1;
  }
}

std::optional<std::string> string_field(const json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) {
    return std::nullopt;
  }
  return std::string(value->as_string());
}

std::optional<int> small_int(const json::value& value) {
  if (value.is_int64() && value.as_int64() >= 0 && value.as_int64() < 1000) {
    return static_cast<int>(value.as_int64());
  }
  if (value.is_uint64() && value.as_uint64() < 1000) {
    return static_cast<int>(value.as_uint64());
  }
  if (value.is_string()) {
    const std::string_view text = value.as_string();
    int parsed = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (error == std::errc() && end == text.data() + text.size() && !text.empty() && parsed >= 0 && parsed < 1000) {
      return parsed;
    }
  }
  return std::nullopt;
}

UpstreamAnswer verdict(int situation) {
  return UpstreamAnswer{situation, {}};
}

UpstreamAnswer problem(std::string why) {
  return UpstreamAnswer{std::nullopt, std::move(why)};
}

}  // namespace

std::string upstream_request_body(const ine::LookupKey& key) {
  const auto parts = parts_of(key.canonical);
  json::object body;
  switch (key.form) {
    case ine::LookupForm::kCicCitizenId:
      body = {{"form", "EH"}, {"cic", parts.at(1)}, {"idCiudadano", parts.at(2)}};
      break;
    case ine::LookupForm::kCicOcr:
      body = {{"form", "D"}, {"cic", parts.at(1)}, {"ocr", parts.at(2)}};
      break;
    case ine::LookupForm::kElectorKeyEmissionOcr:
      body = {{"form", "C"}, {"claveElector", parts.at(1)}, {"numeroEmision", parts.at(2)}, {"ocr", parts.at(3)}};
      break;
    case ine::LookupForm::kCurp:
      body = {{"form", "CURP"}, {"curp", parts.at(1)}};
      break;
  }
  return json::serialize(body);
}

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

UpstreamAnswer parse_upstream_answer(std::string_view body) {
  json::error_code error;
  const auto parsed = json::parse(body, error);
  if (error) {
    return problem("the answer is not JSON");
  }
  if (!parsed.is_object()) {
    return problem("the answer is not a JSON object");
  }
  const auto& object = parsed.as_object();
  if (const auto* situation = object.if_contains("situacion")) {
    std::optional<int> id;
    if (situation->is_string() && !small_int(*situation)) {
      id = ine::situation_by_name(situation->as_string());
    } else {
      id = small_int(*situation);
    }
    if (!id || !ine::policy_for_situation(*id)) {
      return problem("the answer names a situation outside the catalog");
    }
    return verdict(*id);
  }
  if (const auto* code = object.if_contains("claveMensaje")) {
    const auto number = small_int(*code);
    const auto meaning = number ? ine::meaning_of_message_code(*number) : std::nullopt;
    if (!meaning) {
      return problem("the answer carries a claveMensaje outside the catalog");
    }
    if (!meaning->situation) {
      return problem("the upstream reports an INE service error (claveMensaje " + std::to_string(*number) + ")");
    }
    return verdict(*meaning->situation);
  }
  return problem("the answer has neither situacion nor claveMensaje");
}

std::string upstream_answer_body(int situation) {
  return json::serialize(json::object{{"situacion", situation}});
}

std::string IneregMapping::request_body(const ine::LookupKey& form) const {
  return upstream_request_body(form);
}

namespace {

// Both mappings' reading of a reply: only a 200 application/json answer that `parse`
// reads as a verdict is one.
LookupOutcome read_json_reply(const UpstreamReply& reply, UpstreamAnswer (*parse)(std::string_view)) {
  using Cause = LookupOutcome::Cause;
  if (reply.status != 200) {
    return LookupOutcome::unavailable(Cause::kNoVerdict, "the upstream answered HTTP " + std::to_string(reply.status));
  }
  if (!is_json_content_type(reply.content_type)) {
    return LookupOutcome::unavailable(Cause::kNoVerdict, "the upstream's answer is not application/json");
  }
  auto answer = parse(reply.body);
  if (!answer.situation) {
    return LookupOutcome::unavailable(Cause::kNoVerdict, std::move(answer.problem));
  }
  return LookupOutcome::verdict(*answer.situation);
}

}  // namespace

LookupOutcome IneregMapping::read_reply(const UpstreamReply& reply) const {
  return read_json_reply(reply, parse_upstream_answer);
}

UpstreamAnswer parse_upstream_curp_answer(std::string_view body) {
  json::error_code error;
  const auto parsed = json::parse(body, error);
  if (error || !parsed.is_object()) {
    return problem("the answer is not a JSON object");
  }
  const auto* status = parsed.as_object().if_contains("statusCurp");
  if (status == nullptr) {
    return problem("the answer has no statusCurp");
  }
  if (status->is_null()) {
    return verdict(ine::kCurpNotFound);
  }
  const auto known = status->is_string() ? ine::curp_status_by_code(status->as_string()) : std::nullopt;
  if (!known) {
    return problem("the answer names a CURP status outside the catalog");
  }
  return verdict(known->id);
}

std::string upstream_curp_answer_body(int status) {
  const auto known = ine::curp_status_by_id(status);
  return json::serialize(
      json::object{{"statusCurp", known ? json::value(json::string(known->code)) : json::value(nullptr)}});
}

std::string CurpMapping::request_body(const ine::LookupKey& form) const {
  return upstream_request_body(form);
}

LookupOutcome CurpMapping::read_reply(const UpstreamReply& reply) const {
  return read_json_reply(reply, parse_upstream_curp_answer);
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
