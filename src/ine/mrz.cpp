#include "ine/mrz.hpp"

#include <array>
#include <string>

#include "ine/check_digits.hpp"
#include "ine/identifiers.hpp"

namespace inereg::ine {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}

bool is_mrz_char(char c) {
  return is_digit(c) || is_upper(c) || c == '<';
}

MrzParse fail(MrzErrorKind kind, int line, int position, std::string message) {
  return MrzParse{std::nullopt, MrzError{kind, line, position, std::move(message)}};
}

std::string where(int line, int position) {
  return "MRZ line " + std::to_string(line) + " position " + std::to_string(position);
}

// Every slot the INE layout fixes to digits (ine-domain.md §4.1, §4.5).
constexpr std::array<MrzDigitSlot, 8> kDigitSlots = {{
    {0, 5, 9, "the CIC"},
    {0, 14, 1, "the CIC check digit"},
    {0, 17, 13, "the 13-digit OCR block"},
    {1, 0, 6, "the birth date"},
    {1, 6, 1, "the birth-date check digit"},
    {1, 8, 6, "the expiry date"},
    {1, 14, 1, "the expiry-date check digit"},
    {1, 29, 1, "the composite check digit"},
}};

}  // namespace

std::span<const MrzDigitSlot> mrz_digit_slots() {
  return kDigitSlots;
}

std::vector<std::string_view> split_mrz_lines(std::string_view text) {
  if (text.ends_with("\r\n")) {
    text.remove_suffix(2);
  } else if (text.ends_with('\n')) {
    text.remove_suffix(1);
  }
  std::vector<std::string_view> lines;
  while (true) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (end == std::string_view::npos) {
      lines.push_back(line);
      return lines;
    }
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    text.remove_prefix(end + 1);
  }
}

namespace {

int two_digits(std::string_view s) {
  return (s[0] - '0') * 10 + (s[1] - '0');
}

bool check_digit_holds(std::string_view field, char digit) {
  const auto computed = icao_check_digit(field);
  return computed && *computed == digit - '0';
}

// Line 3 "PEREZ<GARCIA<<JUAN<CARLOS<<<<<" -> {"PEREZ GARCIA", "JUAN CARLOS"}.
std::pair<std::string, std::string> split_names(std::string_view line3) {
  while (!line3.empty() && line3.back() == '<') {
    line3.remove_suffix(1);
  }
  const auto separator = line3.find("<<");
  std::string surnames(line3.substr(0, separator));
  std::string given;
  if (separator != std::string_view::npos) {
    given = std::string(line3.substr(separator + 2));
  }
  for (auto* part : {&surnames, &given}) {
    for (char& c : *part) {
      if (c == '<') {
        c = ' ';
      }
    }
  }
  return {std::move(surnames), std::move(given)};
}

}  // namespace

std::string_view mrz_error_code(MrzErrorKind kind) {
  switch (kind) {
    case MrzErrorKind::kLineCount:
      return "line_count";
    case MrzErrorKind::kLineLength:
      return "line_length";
    case MrzErrorKind::kLowerCase:
      return "lower_case";
    case MrzErrorKind::kInvalidCharacter:
      return "invalid_character";
    case MrzErrorKind::kDocumentType:
      return "document_type";
    case MrzErrorKind::kSeparator:
      return "separator";
    case MrzErrorKind::kNationality:
      return "nationality";
    case MrzErrorKind::kNotADigit:
      return "not_a_digit";
    case MrzErrorKind::kNameCharacter:
      return "name_character";
    case MrzErrorKind::kCicCheckDigit:
      return "cic_check_digit";
    case MrzErrorKind::kBirthDateCheckDigit:
      return "birth_date_check_digit";
    case MrzErrorKind::kExpiryDateCheckDigit:
      return "expiry_date_check_digit";
    case MrzErrorKind::kCompositeCheckDigit:
      return "composite_check_digit";
    case MrzErrorKind::kBirthDate:
      return "birth_date";
    case MrzErrorKind::kExpiryDate:
      return "expiry_date";
    case MrzErrorKind::kSex:
      return "sex";
    case MrzErrorKind::kAmbiguousRepair:
      return "ambiguous_repair";
  }
  return "unknown";
}

MrzParse parse_mrz(std::string_view text) {
  const auto lines = split_mrz_lines(text);
  if (lines.size() != kMrzLineCount) {
    return fail(MrzErrorKind::kLineCount, 0, 0,
                "the MRZ must be 3 lines of 30 characters; got " + std::to_string(lines.size()) + " lines");
  }
  for (int l = 0; l < 3; ++l) {
    const auto& line = lines[l];
    if (line.size() != kMrzLineLength) {
      return fail(MrzErrorKind::kLineLength, l + 1, 0,
                  "MRZ line " + std::to_string(l + 1) + " has " + std::to_string(line.size()) +
                      " characters; every line must have 30");
    }
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (c >= 'a' && c <= 'z') {
        return fail(MrzErrorKind::kLowerCase, l + 1, static_cast<int>(i) + 1,
                    where(l + 1, static_cast<int>(i) + 1) + ": lower-case letter; the MRZ is upper case only");
      }
      if (!is_mrz_char(c)) {
        return fail(MrzErrorKind::kInvalidCharacter, l + 1, static_cast<int>(i) + 1,
                    where(l + 1, static_cast<int>(i) + 1) + ": character outside the MRZ alphabet A-Z 0-9 <");
      }
    }
  }
  const std::string_view l1 = lines[0], l2 = lines[1], l3 = lines[2];

  if (l1.substr(0, 5) != "IDMEX") {
    return fail(MrzErrorKind::kDocumentType, 1, 1,
                "MRZ line 1 must start with IDMEX (document code ID, issuing state MEX): not an INE credential");
  }
  if (l1.substr(15, 2) != "<<") {
    return fail(MrzErrorKind::kSeparator, 1, 16, "MRZ line 1 positions 16-17 must be the filler <<");
  }
  if (l2.substr(15, 3) != "MEX") {
    return fail(MrzErrorKind::kNationality, 2, 16, "MRZ line 2 positions 16-18 must be the nationality MEX");
  }
  for (const auto& slot : kDigitSlots) {
    const std::string_view line = lines[slot.line];
    for (int i = slot.start; i < slot.start + slot.length; ++i) {
      if (!is_digit(line[i])) {
        return fail(MrzErrorKind::kNotADigit, slot.line + 1, i + 1,
                    where(slot.line + 1, i + 1) + ": " + (line[i] == '<' ? "filler '<'" : "letter") + " in " +
                        std::string(slot.name) + ", which is digits only");
      }
    }
  }
  for (std::size_t i = 0; i < l3.size(); ++i) {
    if (!is_upper(l3[i]) && l3[i] != '<') {
      return fail(MrzErrorKind::kNameCharacter, 3, static_cast<int>(i) + 1,
                  where(3, static_cast<int>(i) + 1) + ": the name line holds only letters and '<'");
    }
  }

  if (!check_digit_holds(l1.substr(5, 9), l1[14])) {
    return fail(MrzErrorKind::kCicCheckDigit, 1, 15,
                "MRZ line 1: the CIC check digit (position 15) does not match the CIC (positions 6-14)");
  }
  if (!check_digit_holds(l2.substr(0, 6), l2[6])) {
    return fail(MrzErrorKind::kBirthDateCheckDigit, 2, 7,
                "MRZ line 2: the birth-date check digit (position 7) does not match the birth date (positions 1-6)");
  }
  if (!check_digit_holds(l2.substr(8, 6), l2[14])) {
    return fail(
        MrzErrorKind::kExpiryDateCheckDigit, 2, 15,
        "MRZ line 2: the expiry-date check digit (position 15) does not match the expiry date (positions 9-14)");
  }
  const std::string composite = std::string(l1.substr(5, 25)) + std::string(l2.substr(0, 7)) +
                                std::string(l2.substr(8, 7)) + std::string(l2.substr(18, 11));
  if (!check_digit_holds(composite, l2[29])) {
    return fail(MrzErrorKind::kCompositeCheckDigit, 2, 30,
                "MRZ line 2: the composite check digit (position 30) does not match line 1 positions 6-30 and line 2 "
                "positions 1-7, 9-15 and 19-29");
  }

  if (!is_yymmdd_date(l2.substr(0, 6))) {
    return fail(MrzErrorKind::kBirthDate, 2, 1, "MRZ line 2: the birth date (positions 1-6) is not a YYMMDD date");
  }
  if (!is_yymmdd_date(l2.substr(8, 6)) || l2.substr(10, 4) != "1231") {
    return fail(MrzErrorKind::kExpiryDate, 2, 9,
                "MRZ line 2: the expiry date (positions 9-14) must be 31 December of the vigencia year (YY1231)");
  }
  if (l2[7] != 'H' && l2[7] != 'M') {
    return fail(MrzErrorKind::kSex, 2, 8, "MRZ line 2: the sex (position 8) must be H or M");
  }

  Mrz mrz;
  mrz.line1 = std::string(l1);
  mrz.line2 = std::string(l2);
  mrz.line3 = std::string(l3);
  mrz.cic = std::string(l1.substr(5, 9));
  mrz.cic_check_digit = l1[14];
  mrz.ocr = std::string(l1.substr(17, 13));
  mrz.citizen_id = mrz.ocr.substr(4);
  mrz.birth_date = std::string(l2.substr(0, 6));
  mrz.sex = l2[7];
  mrz.expiry_date = std::string(l2.substr(8, 6));
  mrz.vigencia_year = 2000 + two_digits(mrz.expiry_date);
  mrz.optional_data = std::string(l2.substr(18, 11));
  auto [surnames, given] = split_names(l3);
  mrz.surnames = std::move(surnames);
  mrz.given_names = std::move(given);
  return MrzParse{std::move(mrz), std::nullopt};
}

Credential credential_from_mrz(const Mrz& mrz) {
  Credential credential;
  credential.cic = mrz.cic;
  credential.ocr = mrz.ocr;
  credential.citizen_id = mrz.citizen_id;
  return credential;
}

Credential merge_credential_with_mrz(Credential typed, const Mrz& mrz) {
  const Credential read = credential_from_mrz(mrz);
  for (auto member : {&Credential::cic, &Credential::ocr, &Credential::citizen_id}) {
    if ((typed.*member).empty()) {
      typed.*member = read.*member;
    }
  }
  return typed;
}

std::string candidate_models(const Mrz& mrz) {
  if (mrz.vigencia_year <= 2023) {
    return "D";
  }
  if (mrz.vigencia_year == 2024) {
    return "DEFGH";
  }
  return "EFGH";
}

std::vector<std::string> mrz_disagreements(const Mrz& mrz, const Credential& typed) {
  std::vector<std::string> fields;
  if (!typed.cic.empty() && typed.cic != mrz.cic) {
    fields.emplace_back("cic");
  }
  if (!typed.citizen_id.empty() && typed.citizen_id != mrz.citizen_id) {
    fields.emplace_back("citizen_id");
  }
  if (!typed.ocr.empty() && typed.ocr != mrz.ocr) {
    fields.emplace_back("ocr");
  }
  // CURP: YYMMDD at 4-9, sex at 10 (H, M or X for non-binary, which the MRZ cannot say).
  if (typed.curp.size() == 18) {
    const std::string_view curp = typed.curp;
    const bool sex_differs = (curp[10] == 'H' || curp[10] == 'M') && curp[10] != mrz.sex;
    if (curp.substr(4, 6) != mrz.birth_date || sex_differs) {
      fields.emplace_back("curp");
    }
  }
  // Clave de elector: YYMMDD at 6-11, sex at 14.
  if (typed.elector_key.size() == 18) {
    const std::string_view key = typed.elector_key;
    if (key.substr(6, 6) != mrz.birth_date || key[14] != mrz.sex) {
      fields.emplace_back("elector_key");
    }
  }
  return fields;
}

}  // namespace inereg::ine
