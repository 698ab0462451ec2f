#include "api/document_mrz.hpp"

#include <string>
#include <vector>

#include "api/errors.hpp"
#include "api/json_fields.hpp"
#include "ine/mrz.hpp"

namespace inereg::api {
namespace {

constexpr std::string_view kMrzPath = "verification.document.mrz";

bool sent(const std::optional<std::string>& field) {
  return field && !field->empty();
}

// The request members that carried a credential field mrz_disagreements names. A value
// the parser took from document.number (CIC, OCR or clave, by length) is named there.
std::vector<std::string> request_members(std::string_view credential_field, const ine::CredentialFields& fields,
                                         const ine::Credential& typed) {
  const std::string number = "verification.document.number";
  if (credential_field == "cic") {
    return {number};
  }
  if (credential_field == "citizen_id") {
    return {"verification.person.ineIdentifier"};
  }
  if (credential_field == "curp") {
    return {"verification.person.idNumber"};
  }
  // OCR and clave de elector may come from document.number, from their person member,
  // or from both (parse_credential has already made sure both agree).
  const bool ocr = credential_field == "ocr";
  const auto& person_member = ocr ? fields.ife_identifier : fields.elector_number;
  const std::string& value = ocr ? typed.ocr : typed.elector_key;
  std::vector<std::string> members;
  if (sent(fields.document_number) && fields.document_number->size() == value.size()) {
    members.push_back(number);
  }
  if (sent(person_member)) {
    members.push_back(ocr ? "verification.person.ifeIdentifier" : "verification.person.electorNumber");
  }
  return members;
}

}  // namespace

ine::Credential credential_with_document_mrz(const boost::json::object* document, const ine::CredentialFields& fields,
                                             ine::Credential typed) {
  const auto text = optional_string(document, "mrz", kMrzPath);
  if (!text || text->empty()) {
    return typed;
  }
  const ine::MrzParse parsed = ine::parse_mrz(*text);
  if (!parsed.ok()) {
    const ine::MrzError& error = *parsed.error;
    throw ApiError(ErrorKind::kInvalidParameters,
                   "Request includes invalid parameters: " + std::string(kMrzPath) + " is not a valid INE MRZ (" +
                       std::string(ine::mrz_error_code(error.kind)) + "): " + error.message + ".");
  }
  const ine::Mrz& mrz = *parsed.mrz;
  const auto disagreeing = ine::mrz_disagreements(mrz, typed);
  if (!disagreeing.empty()) {
    std::string members;
    for (const auto& field : disagreeing) {
      for (const auto& member : request_members(field, fields, typed)) {
        if (members.find(member) == std::string::npos) {
          members += (members.empty() ? "" : ", ") + member;
        }
      }
    }
    throw ApiError(ErrorKind::kInvalidParameters, "Request includes invalid parameters: " + std::string(kMrzPath) +
                                                      " disagrees with " + members + ".");
  }
  return ine::merge_credential_with_mrz(std::move(typed), mrz);
}

}  // namespace inereg::api
