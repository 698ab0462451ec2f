#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ine/credential.hpp"

// The machine-readable zone on the back of INE credentials, models D–H
// (ine-domain.md §4): ICAO 9303 TD1, three lines of 30 characters. Pure functions, no I/O.
// Every value here is personal data: never log an Mrz or the text it came from.
namespace inereg::ine {

inline constexpr std::size_t kMrzLineLength = 30;
inline constexpr std::size_t kMrzLineCount = 3;

// A field the INE layout fixes to digits: 0-based line, 0-based start, length.
struct MrzDigitSlot {
  int line;
  int start;
  int length;
  std::string_view name;  // for messages: "the CIC", "the birth-date check digit", ...
};

// Every digit slot (ine-domain.md §4.1, §4.5): all of them are covered by a check digit.
std::span<const MrzDigitSlot> mrz_digit_slots();

// A parsed MRZ whose four check digits all hold.
struct Mrz {
  std::string line1, line2, line3;  // the canonical text, 30 characters each
  std::string cic;                  // L1[5..13], Código de Identificación de la Credencial
  char cic_check_digit = '0';       // L1[14]
  std::string ocr;                  // L1[17..29], the 13-digit block ("OCR")
  std::string citizen_id;           // the last 9 digits of `ocr`: identificador del ciudadano
  std::string birth_date;           // L2[0..5], YYMMDD (the century is not in the MRZ)
  char sex = 'H';                   // L2[7]: 'H' hombre or 'M' mujer (not ICAO's M/F)
  std::string expiry_date;          // L2[8..13], always YY1231
  int vigencia_year = 0;            // 2000 + YY of the expiry
  std::string optional_data;        // L2[18..28], undocumented; covered by the composite check
  std::string surnames;             // line 3 before "<<", '<' -> ' '; empty when line 3 is blank
  std::string given_names;          // line 3 after "<<"
};

// What is wrong with an MRZ text. Stable, machine-usable; mrz_error_code gives the
// snake_case name an API can put in an error message.
enum class MrzErrorKind {
  kLineCount,             // not exactly three lines
  kLineLength,            // a line is not 30 characters
  kLowerCase,             // a lower-case letter (the MRZ alphabet is upper case only)
  kInvalidCharacter,      // outside A-Z 0-9 <
  kDocumentType,          // line 1 does not start with IDMEX: not an INE card
  kSeparator,             // line 1 positions 15-16 are not "<<"
  kNationality,           // line 2 positions 15-17 are not MEX
  kNotADigit,             // a letter or '<' in a numeric slot
  kNameCharacter,         // line 3 holds something other than A-Z and '<'
  kCicCheckDigit,         // L1[14] does not match the CIC
  kBirthDateCheckDigit,   // L2[6] does not match the birth date
  kExpiryDateCheckDigit,  // L2[14] does not match the expiry date
  kCompositeCheckDigit,   // L2[29] does not match the TD1 composite
  kBirthDate,             // the birth date is not a calendar date
  kExpiryDate,            // the expiry is not a date of the form YY1231
  kSex,                   // L2[7] is not H or M
  kAmbiguousRepair,       // OCR reading path only: no single confusion repair satisfies every check digit
};

// "cic_check_digit", "line_length", ...
std::string_view mrz_error_code(MrzErrorKind kind);

struct MrzError {
  MrzErrorKind kind;
  int line = 0;      // 1-based line the problem is on; 0 when it concerns the whole text
  int position = 0;  // 1-based character position within the line; 0 when not one character
  // Names what is wrong and where ("MRZ line 2: the birth-date check digit (position 7)
  // does not match the birth date"); never echoes the MRZ's characters.
  std::string message;
};

struct MrzParse {
  std::optional<Mrz> mrz;
  std::optional<MrzError> error;

  bool ok() const { return mrz.has_value(); }
};

// The text split into lines on '\n'; a line break may be "\r\n" and the text may end
// with one line break. parse_mrz's first step, shared with the OCR reading path.
std::vector<std::string_view> split_mrz_lines(std::string_view text);

// Parses three 30-character lines separated by "\n" (or "\r\n"), with at most one
// trailing line break. Nothing else is repaired: spaces, lower case, a missing '<' or a
// letter in a digit slot are errors (OCR repairs live in mrz_repair.hpp, confirmed by
// the check digits). Checks, in this order: shape (lines, lengths, alphabet), the fixed
// parts (IDMEX, "<<", MEX), the digit slots, the four check digits, the dates, the sex.
MrzParse parse_mrz(std::string_view text);

// The registry lookup data an MRZ carries: CIC, OCR (13 digits) and identificador del
// ciudadano. lookup_keys() on the result gives the E–H form first, then D's (the MRZ
// alone does not say which of D–H the card is; see candidate_models).
Credential credential_from_mrz(const Mrz& mrz);

// `typed` (fields the client sent, already checked with mrz_disagreements) with the
// MRZ's CIC, OCR and identificador filling the ones it lacks: the session's credential
// when both a card and typed fields are at hand.
Credential merge_credential_with_mrz(Credential typed, const Mrz& mrz);

// The card models an MRZ can belong to, as letters ("DEFGH"), narrowed by the vigencia
// year (ine-domain.md §2.1; an inference from issue dates, not an INE rule): model D was
// issued Dec 2013–Jul 2014 (vigencia 2023–2024), E–H from Jul 2014 (vigencia ≥ 2024).
std::string candidate_models(const Mrz& mrz);

// The typed credential fields that contradict the MRZ, by Credential member name:
// "cic", "citizen_id", "ocr", and "curp" / "elector_key" when their embedded birth date
// (YYMMDD) or sex (H/M; a CURP's X is not compared) differ from the MRZ's. Absent typed
// fields are not compared; emission_number is not in the MRZ. Empty = consistent.
std::vector<std::string> mrz_disagreements(const Mrz& mrz, const Credential& typed);

}  // namespace inereg::ine
