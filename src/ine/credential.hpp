#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inereg::ine {

// The credential data a session carries, normalized and validated. Empty string =
// not supplied. Values are personal data: never log them.
struct Credential {
  std::string cic;              // Código de Identificación de la Credencial, 9 digits
  std::string citizen_id;       // Identificador del Ciudadano, 9 digits
  std::string ocr;              // OCR number, 13 digits
  std::string elector_key;      // Clave de elector, 18 characters
  std::string emission_number;  // Número de emisión, 2 digits
  std::string curp;             // CURP, 18 characters (not a lookup input)

  // True when at least one registry lookup form can be built (see lookup_keys).
  bool has_lookup_data() const;
};

// The registry's lookup forms (ine-domain.md §5.1).
enum class LookupForm {
  kCicCitizenId,           // models E, F, G, H: CIC + identificador del ciudadano
  kCicOcr,                 // model D: CIC + OCR
  kElectorKeyEmissionOcr,  // model C: clave de elector + número de emisión + OCR
  kCurp,                   // not the INE's: the CURP alone, asked of a CURP source (RENAPO)
};

// One way to look a credential up: the form plus its inputs joined in a canonical
// string ("EH|187006412|118903355"), which is also the local snapshot's key.
struct LookupKey {
  LookupForm form;
  std::string canonical;
};

// The key of one form, or nullopt when the credential lacks one of its inputs.
std::optional<LookupKey> lookup_key(LookupForm form, const Credential& credential);

// Candidate INE lookups for a credential (never kCurp), most specific first. A CIC with a 13-digit OCR
// yields the E–H form (identificador = last 9 OCR digits, as on the MRZ) and then the
// D form, because the model cannot be told from those two fields alone.
std::vector<LookupKey> lookup_keys(const Credential& credential);

// The card models a credential's present fields fit, as letters in order ("C", "D",
// "DEFGH", "EFGH", ...): C needs clave de elector + emisión + OCR; a CIC with an OCR fits
// D and (identificador = last 9 OCR digits) E–H; a CIC with an identificador fits E–H.
// Empty when no lookup form is complete. (From an MRZ, see ine::candidate_models(Mrz).)
std::string candidate_models(const Credential& credential);

// Card model letter as used in registry files: C, D, E, F, G or H.
std::optional<LookupForm> form_for_model(std::string_view model);

// The raw INE fields of Veriff's create-session body, before validation.
struct CredentialFields {
  std::optional<std::string> document_number;  // document.number: 9 -> CIC, 13 -> OCR, 18 -> clave
  std::optional<std::string> ine_identifier;   // person.ineIdentifier
  std::optional<std::string> ife_identifier;   // person.ifeIdentifier (OCR)
  std::optional<std::string> elector_number;   // person.electorNumber (clave de elector)
  std::optional<std::string> issue_number;     // document.issueNumber (número de emisión)
  std::optional<std::string> id_number;        // person.idNumber (CURP)
};

// Why the fields do not make a valid credential; `field` is the JSON path the client sent.
struct CredentialError {
  std::string field;
  std::string message;  // safe to show to the client: names the field, never echoes the value
};

struct CredentialParse {
  std::optional<Credential> credential;
  std::optional<CredentialError> error;
};

// Validates and normalizes the fields (normalize_identifier, then the formats of
// identifiers.hpp). Contradictions between two fields naming the same identifier are
// errors, never resolved by picking one.
CredentialParse parse_credential(const CredentialFields& fields);

}  // namespace inereg::ine
