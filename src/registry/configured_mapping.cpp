#include "registry/configured_mapping.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>

#include "ine/curp_status.hpp"
#include "ine/message_codes.hpp"
#include "ine/situation.hpp"

namespace inereg::registry {
namespace json = boost::json;
using Cause = LookupOutcome::Cause;
namespace {

// The inputs of a lookup form, as its canonical key carries them: "EH|cic|citizen_id",
// "D|cic|ocr", "C|elector_key|emission_number|ocr", "CURP|curp".
std::map<std::string, std::string, std::less<>> placeholders_of(const ine::LookupKey& form) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto bar = form.canonical.find('|', start);
    parts.push_back(form.canonical.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos) {
      break;
    }
    start = bar + 1;
  }
  switch (form.form) {
    case ine::LookupForm::kCicCitizenId:
      return {{"cic", parts.at(1)}, {"citizen_id", parts.at(2)}};
    case ine::LookupForm::kCicOcr:
      return {{"cic", parts.at(1)}, {"ocr", parts.at(2)}};
    case ine::LookupForm::kElectorKeyEmissionOcr:
      return {{"elector_key", parts.at(1)}, {"emission_number", parts.at(2)}, {"ocr", parts.at(3)}};
    case ine::LookupForm::kCurp:
      return {{"curp", parts.at(1)}};
  }
  return {};
}

// The template with each ${name} replaced by its value, JSON-escaped (the template
// puts the quotes). nullopt names the first placeholder without a value in `unknown`.
std::optional<std::string> fill(std::string_view body_template,
                                const std::map<std::string, std::string, std::less<>>& values, std::string* unknown) {
  std::string out;
  std::size_t at = 0;
  for (;;) {
    const auto open = body_template.find("${", at);
    if (open == std::string_view::npos) {
      out += body_template.substr(at);
      return out;
    }
    const auto close = body_template.find('}', open);
    if (close == std::string_view::npos) {
      *unknown = std::string(body_template.substr(open));
      return std::nullopt;
    }
    const auto name = body_template.substr(open + 2, close - open - 2);
    const auto value = values.find(name);
    if (value == values.end()) {
      *unknown = "${" + std::string(name) + "}";
      return std::nullopt;
    }
    out += body_template.substr(at, open - at);
    const auto quoted = json::serialize(json::string(value->second));
    out += quoted.substr(1, quoted.size() - 2);
    at = close + 1;
  }
}

// Trimmed and in ASCII lower case: how verdict values are compared.
std::string normalized(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<int> small_number(std::string_view text) {
  int parsed = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || parsed < 0 || parsed >= 1000) {
    return std::nullopt;
  }
  return parsed;
}

// The value at a '.'-separated path, or nullptr when the path is not in the answer.
const json::value* value_at(const json::value& root, std::string_view path) {
  const json::value* at = &root;
  while (!path.empty()) {
    const auto dot = path.find('.');
    const auto step = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    if (const auto* object = at->if_object()) {
      at = object->if_contains(step);
    } else if (const auto* array = at->if_array(); array != nullptr && small_number(step)) {
      const auto index = static_cast<std::size_t>(*small_number(step));
      at = index < array->size() ? &(*array)[index] : nullptr;
    } else {
      return nullptr;
    }
    if (at == nullptr) {
      return nullptr;
    }
  }
  return at;
}

// A scalar as the text verdict values are written in; nullopt for objects, arrays and
// fractional numbers, which no verdict is written as.
std::optional<std::string> text_of(const json::value& value) {
  switch (value.kind()) {
    case json::kind::string:
      return std::string(value.get_string());
    case json::kind::int64:
      return std::to_string(value.get_int64());
    case json::kind::uint64:
      return std::to_string(value.get_uint64());
    case json::kind::bool_:
      return value.get_bool() ? "true" : "false";
    case json::kind::null:
      return "null";
    default:
      return std::nullopt;
  }
}

// What one field's value says: a situation, "no verdict" (nullopt inside), or nothing
// known (nullopt outside).
std::optional<std::optional<int>> meaning(const VerdictField& field, const std::string& text) {
  const auto key = normalized(text);
  for (const auto& [value, situation] : field.values) {
    const bool prefix = value.ends_with('*');
    if (prefix ? key.starts_with(std::string_view(value).substr(0, value.size() - 1)) : key == value) {
      return situation;
    }
  }
  switch (field.codes) {
    case Codebook::kNone:
      return std::nullopt;
    case Codebook::kSituations: {
      if (const auto id = catalog_situation(text)) {
        return std::optional<int>(*id);
      }
      return std::nullopt;
    }
    case Codebook::kMessageCodes: {
      const auto code = small_number(text);
      const auto meant = code ? ine::meaning_of_message_code(*code) : std::nullopt;
      if (!meant) {
        return std::nullopt;
      }
      return meant->situation;
    }
    case Codebook::kCurpStatuses: {
      if (text == "null") {
        return std::optional<int>(ine::kCurpNotFound);
      }
      if (const auto status = ine::curp_status_by_code(text)) {
        return std::optional<int>(status->id);
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// Whether `id` is a verdict the spec's kind of source may give: a catalog situation, or
// for a CURP source a RENAPO status (or its "no record").
bool in_catalog(const MappingSpec& spec, int id) {
  if (ConfiguredMapping::is_curp(spec)) {
    return id == ine::kCurpNotFound || ine::curp_status_by_id(id).has_value();
  }
  return ine::policy_for_situation(id).has_value();
}

std::map<std::string, std::optional<int>> table(
    std::initializer_list<std::pair<std::string, std::optional<int>>> rows) {
  std::map<std::string, std::optional<int>> out;
  for (const auto& [value, situation] : rows) {
    out.emplace(normalized(value), situation);
  }
  return out;
}

// The vendors' published shapes (ine-domain.md §6.2; docs/UPSTREAM.md, "Presets").
std::map<std::string, MappingSpec, std::less<>> make_presets() {
  constexpr int kVigente = ine::kSituationVigente;
  constexpr int kNotFound = ine::kSituationNotFound;
  constexpr int kNoVigente = 2;
  constexpr int kDefuncion = 13;
  std::map<std::string, MappingSpec, std::less<>> presets;
  presets["inereg"] =
      MappingSpec{"Authorization",
                  R"({"form":"EH","cic":"${cic}","idCiudadano":"${citizen_id}"})",
                  R"({"form":"D","cic":"${cic}","ocr":"${ocr}"})",
                  R"({"form":"C","claveElector":"${elector_key}","numeroEmision":"${emission_number}","ocr":"${ocr}"})",
                  {{"situacion", Codebook::kSituations, {}}, {"claveMensaje", Codebook::kMessageCodes, {}}}};
  // NuFi answers {code, status, message, data:[{activa, estado, …}]}: the state text
  // when it is one inereg knows, else the activa flag (not active: NO_VIGENTE).
  presets["nufi"] = MappingSpec{
      "Ocp-Apim-Subscription-Key",
      R"({"tipo_identificacion":"H","cic":"${cic}","identificador_del_ciudadano":"${citizen_id}"})",
      R"({"tipo_identificacion":"D","cic":"${cic}","ocr":"${ocr}"})",
      R"({"tipo_identificacion":"C","clave_de_elector":"${elector_key}","numero_de_emision":"${emission_number}","ocr":"${ocr}"})",
      {{"data.0.estado", Codebook::kNone,
        table({{"La credencial esta vigente", kVigente},
               {"La credencial está vigente", kVigente},
               {"No se obtuvieron datos*", kNotFound},
               {"No se encontraron datos*", kNotFound}})},
       {"data.0.activa", Codebook::kNone, table({{"true", kVigente}, {"false", kNoVigente}})}}};
  // Nubarium answers {estatus, mensaje, claveMensaje, …}: the §5.5 message codes.
  presets["nubarium"] =
      MappingSpec{"Authorization",
                  R"({"cic":"${cic}","identificadorCiudadano":"${citizen_id}"})",
                  R"({"cic":"${cic}","ocr":"${ocr}"})",
                  R"({"claveElector":"${elector_key}","numeroEmision":"${emission_number}","ocr":"${ocr}"})",
                  {{"claveMensaje", Codebook::kMessageCodes, {}}}};
  // Didit answers {status, validations:[{service_id, outcome_code, …}]} with its
  // standard outcome codes; the others (PARTIAL_MATCH, INVALID_INPUT, …) are no verdict.
  presets["didit"] = MappingSpec{
      "x-api-key",
      R"({"issuing_state":"MEX","services":["mex_ine_vigencia"],"cic":"${cic}","identificador_ciudadano":"${citizen_id}"})",
      R"({"issuing_state":"MEX","services":["mex_ine_vigencia"],"cic":"${cic}","ocr":"${ocr}"})",
      R"({"issuing_state":"MEX","services":["mex_ine_vigencia"],"voter_number":"${elector_key}","emission_number":"${emission_number}","ocr":"${ocr}"})",
      {{"validations.0.outcome_code", Codebook::kNone,
        table({{"MATCH", kVigente},
               {"DOCUMENT_NOT_FOUND", kNotFound},
               {"NO_MATCH", kNotFound},
               {"DECEASED", kDefuncion}})}}};
  // inereg's CURP protocol (docs/UPSTREAM.md, "CURP sources"): {"statusCurp": code|null}.
  presets["inereg_curp"] = MappingSpec{"Authorization",
                                       "",
                                       "",
                                       "",
                                       {{"statusCurp", Codebook::kCurpStatuses, {}}},
                                       R"({"form":"CURP","curp":"${curp}"})"};
  return presets;
}

const std::map<std::string, MappingSpec, std::less<>>& presets() {
  static const auto all = make_presets();
  return all;
}

}  // namespace

std::optional<MappingSpec> preset_mapping(std::string_view name) {
  const auto found = presets().find(name);
  if (found == presets().end()) {
    return std::nullopt;
  }
  return found->second;
}

const std::vector<std::string>& preset_names() {
  static const auto names = [] {
    std::vector<std::string> out;
    for (const auto& [name, spec] : presets()) {
      out.push_back(name);
    }
    return out;
  }();
  return names;
}

std::optional<int> catalog_situation(std::string_view id_or_name) {
  const auto id = small_number(id_or_name);
  const auto situation = id ? id : ine::situation_by_name(id_or_name);
  if (!situation || !ine::policy_for_situation(*situation)) {
    return std::nullopt;
  }
  return situation;
}

std::string mapping_problem(const MappingSpec& spec) {
  struct Form {
    const char* name;
    ine::LookupKey sample;
    const std::string* body;
  };
  std::vector<Form> forms;
  if (ConfiguredMapping::is_curp(spec)) {
    if (!spec.body_eh.empty() || !spec.body_d.empty() || !spec.body_c.empty()) {
      return "body_curp describes a CURP source, which has no body_eh, body_d or body_c";
    }
    forms.push_back({"body_curp", {ine::LookupForm::kCurp, "CURP|AAAA000000HAAAAA00"}, &spec.body_curp});
  } else {
    forms.push_back({"body_eh", {ine::LookupForm::kCicCitizenId, "EH|000000000|000000000"}, &spec.body_eh});
    forms.push_back({"body_d", {ine::LookupForm::kCicOcr, "D|000000000|0000000000000"}, &spec.body_d});
    forms.push_back(
        {"body_c", {ine::LookupForm::kElectorKeyEmissionOcr, "C|AAAAAA00000000A000|00|0000000000000"}, &spec.body_c});
  }
  for (const auto& [name, sample, body] : forms) {
    if (body->empty()) {
      return std::string(name) + " is missing";
    }
    std::string unknown;
    const auto filled = fill(*body, placeholders_of(sample), &unknown);
    if (!filled) {
      return std::string(name) + " uses " + unknown + ", which its lookup form does not have";
    }
    json::error_code error;
    json::parse(*filled, error);
    if (error) {
      return std::string(name) + " is not JSON once filled";
    }
  }
  if (spec.verdict.empty()) {
    return "verdict names no field";
  }
  for (const auto& field : spec.verdict) {
    if (field.at.empty()) {
      return "a verdict field has no path (at)";
    }
    for (const auto& [value, situation] : field.values) {
      if (situation && !in_catalog(spec, *situation)) {
        return "verdict field " + field.at + " maps a value to situation " + std::to_string(*situation) +
               ", outside the catalog";
      }
    }
  }
  return "";
}

ConfiguredMapping::ConfiguredMapping(MappingSpec spec) : spec_(std::move(spec)) {
  for (auto& field : spec_.verdict) {
    std::map<std::string, std::optional<int>> values;
    for (auto& [value, situation] : field.values) {
      values.emplace(normalized(value), situation);
    }
    field.values = std::move(values);
  }
}

std::string ConfiguredMapping::request_body(const ine::LookupKey& form) const {
  const std::string& body_template = form.form == ine::LookupForm::kCicCitizenId ? spec_.body_eh
                                     : form.form == ine::LookupForm::kCicOcr     ? spec_.body_d
                                     : form.form == ine::LookupForm::kCurp       ? spec_.body_curp
                                                                                 : spec_.body_c;
  if (body_template.empty()) {
    throw std::logic_error("a registry mapping was asked a lookup form of the other kind of source (INE or CURP)");
  }
  std::string unknown;
  auto body = fill(body_template, placeholders_of(form), &unknown);
  if (!body) {
    throw std::logic_error("a registry mapping was used without mapping_problem() checking it");
  }
  return std::move(*body);
}

LookupOutcome ConfiguredMapping::read_reply(const UpstreamReply& reply) const {
  if (reply.status != 200) {
    return LookupOutcome::unavailable(Cause::kNoVerdict, "the upstream answered HTTP " + std::to_string(reply.status));
  }
  if (!is_json_content_type(reply.content_type)) {
    return LookupOutcome::unavailable(Cause::kNoVerdict, "the upstream's answer is not application/json");
  }
  json::error_code error;
  const auto parsed = json::parse(reply.body, error);
  if (error) {
    return LookupOutcome::unavailable(Cause::kNoVerdict, "the answer is not JSON");
  }
  // Values are never quoted in a reason: an unknown one might echo personal data.
  bool unknown_value = false;
  for (const auto& field : spec_.verdict) {
    const auto* value = value_at(parsed, field.at);
    if (value == nullptr) {
      continue;
    }
    const auto text = text_of(*value);
    const auto meant = text ? meaning(field, *text) : std::nullopt;
    if (!meant) {
      unknown_value = true;  // another field may still know its value
      continue;
    }
    if (!*meant) {
      return LookupOutcome::unavailable(Cause::kNoVerdict, "the answer's " + field.at + " says it is not a verdict");
    }
    auto verdict = LookupOutcome::verdict(**meant);
    if (field.codes == Codebook::kMessageCodes) {
      verdict.message_code = small_number(*text);  // the code the verdict was read from
    }
    return verdict;
  }
  return LookupOutcome::unavailable(Cause::kNoVerdict, unknown_value
                                                           ? "the answer holds no verdict value inereg knows"
                                                           : "the answer has none of the mapping's verdict fields");
}

}  // namespace inereg::registry
