#include "ine/credential.hpp"

#include "ine/identifiers.hpp"

namespace inereg::ine {
namespace {

CredentialParse fail(std::string field, std::string message) {
  return CredentialParse{std::nullopt, CredentialError{std::move(field), std::move(message)}};
}

// Sets `slot` from a field, or reports a contradiction with what another field set.
bool assign(std::string& slot, std::string value) {
  if (!slot.empty() && slot != value) {
    return false;
  }
  slot = std::move(value);
  return true;
}

// Empty and whitespace-only values count as absent: Veriff's browser SDK sends "" for
// an empty form field and " " to hide one.
std::string normalized(const std::optional<std::string>& field) {
  return field ? normalize_identifier(*field) : std::string();
}

}  // namespace

bool Credential::has_lookup_data() const {
  return !lookup_keys(*this).empty();
}

std::optional<LookupKey> lookup_key(LookupForm form, const Credential& c) {
  switch (form) {
    case LookupForm::kCicCitizenId:
      if (c.cic.empty() || c.citizen_id.empty()) {
        return std::nullopt;
      }
      return LookupKey{form, "EH|" + c.cic + "|" + c.citizen_id};
    case LookupForm::kCicOcr:
      if (c.cic.empty() || c.ocr.empty()) {
        return std::nullopt;
      }
      return LookupKey{form, "D|" + c.cic + "|" + c.ocr};
    case LookupForm::kElectorKeyEmissionOcr:
      if (c.elector_key.empty() || c.emission_number.empty() || c.ocr.empty()) {
        return std::nullopt;
      }
      return LookupKey{form, "C|" + c.elector_key + "|" + c.emission_number + "|" + c.ocr};
    case LookupForm::kCurp:
      if (c.curp.empty()) {
        return std::nullopt;
      }
      return LookupKey{form, "CURP|" + c.curp};
  }
  return std::nullopt;
}

std::vector<LookupKey> lookup_keys(const Credential& c) {
  Credential with_derived_id = c;
  if (with_derived_id.citizen_id.empty() && with_derived_id.ocr.size() == 13) {
    with_derived_id.citizen_id = with_derived_id.ocr.substr(4);  // last 9 of the MRZ's 13-digit block
  }
  std::vector<LookupKey> keys;
  for (const auto form : {LookupForm::kCicCitizenId, LookupForm::kCicOcr, LookupForm::kElectorKeyEmissionOcr}) {
    if (auto key = lookup_key(form, with_derived_id)) {
      keys.push_back(std::move(*key));
    }
  }
  return keys;
}

std::string candidate_models(const Credential& c) {
  std::string models;
  if (!c.elector_key.empty() && !c.emission_number.empty() && !c.ocr.empty()) {
    models += "C";
  }
  if (!c.cic.empty() && !c.ocr.empty()) {
    models += "D";
  }
  if (!c.cic.empty() && (!c.citizen_id.empty() || c.ocr.size() == 13)) {
    models += "EFGH";
  }
  return models;
}

std::optional<LookupForm> form_for_model(std::string_view model) {
  if (model == "C") {
    return LookupForm::kElectorKeyEmissionOcr;
  }
  if (model == "D") {
    return LookupForm::kCicOcr;
  }
  if (model == "E" || model == "F" || model == "G" || model == "H") {
    return LookupForm::kCicCitizenId;
  }
  return std::nullopt;
}

CredentialParse parse_credential(const CredentialFields& f) {
  Credential c;
  if (std::string v = normalized(f.document_number); !v.empty()) {
    if (is_cic(v)) {
      c.cic = std::move(v);
    } else if (is_ocr(v)) {
      c.ocr = std::move(v);
    } else if (is_elector_key(v)) {
      c.elector_key = std::move(v);
    } else {
      return fail(
          "document.number",
          "document.number must be an INE CIC (9 digits), OCR (13 digits) or clave de elector (18 characters).");
    }
  }
  if (std::string v = normalized(f.ine_identifier); !v.empty()) {
    if (!is_citizen_id(v)) {
      return fail("person.ineIdentifier", "person.ineIdentifier must be the 9-digit identificador del ciudadano.");
    }
    c.citizen_id = std::move(v);
  }
  if (std::string v = normalized(f.ife_identifier); !v.empty()) {
    if (!is_ocr(v)) {
      return fail("person.ifeIdentifier", "person.ifeIdentifier must be the 13-digit OCR number.");
    }
    if (!assign(c.ocr, std::move(v))) {
      return fail("person.ifeIdentifier", "person.ifeIdentifier contradicts document.number.");
    }
  }
  if (std::string v = normalized(f.elector_number); !v.empty()) {
    if (!is_elector_key(v)) {
      return fail("person.electorNumber", "person.electorNumber must be an 18-character clave de elector.");
    }
    if (!assign(c.elector_key, std::move(v))) {
      return fail("person.electorNumber", "person.electorNumber contradicts document.number.");
    }
  }
  if (std::string v = normalized(f.issue_number); !v.empty()) {
    if (!is_emission_number(v)) {
      return fail("document.issueNumber", "document.issueNumber must be the 1- or 2-digit número de emisión.");
    }
    c.emission_number = pad_emission_number(v);
  }
  if (std::string v = normalized(f.id_number); !v.empty()) {
    if (!is_curp(v)) {
      return fail("person.idNumber", "person.idNumber must be a valid CURP (18 characters with its check digit).");
    }
    c.curp = std::move(v);
  }
  return CredentialParse{std::move(c), std::nullopt};
}

}  // namespace inereg::ine
