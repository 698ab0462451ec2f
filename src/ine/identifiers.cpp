#include "ine/identifiers.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "ine/check_digits.hpp"

namespace inereg::ine {
namespace {

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool all_upper(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

int two_digits(std::string_view s) {
  return (s[0] - '0') * 10 + (s[1] - '0');
}

// MMDD of a real calendar day. The year has no century here (YYMMDD), so 29 February
// is accepted in every year divisible by 4.
bool is_yymmdd_date_impl(std::string_view yymmdd) {
  static constexpr int kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int year = two_digits(yymmdd.substr(0, 2));
  const int month = two_digits(yymmdd.substr(2, 2));
  const int day = two_digits(yymmdd.substr(4, 2));
  if (month < 1 || month > 12 || day < 1 || day > kDaysInMonth[month - 1]) {
    return false;
  }
  return !(month == 2 && day == 29 && year % 4 != 0);
}

bool is_consonant(char c) {
  return c >= 'A' && c <= 'Z' && c != 'A' && c != 'E' && c != 'I' && c != 'O' && c != 'U';
}

// RENAPO's state codes (CURP positions 12-13), NE = born abroad.
constexpr std::array<std::string_view, 33> kCurpStates = {
    "AS", "BC", "BS", "CC", "CL", "CM", "CS", "CH", "DF", "DG", "GT", "GR", "HG", "JC", "MC", "MN", "MS",
    "NT", "NL", "OC", "PL", "QT", "QR", "SP", "SL", "SR", "TC", "TS", "TL", "VZ", "YN", "ZS", "NE"};

}  // namespace

bool is_yymmdd_date(std::string_view s) {
  return s.size() == 6 && all_digits(s) && is_yymmdd_date_impl(s);
}

std::string normalize_identifier(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == ' ' || c == '-' || c == '.' || c == '\t') {
      continue;
    }
    // Ñ / ñ in UTF-8 (C3 91 / C3 B1): RENAPO and INE write X in its place in their keys.
    if (c == '\xC3' && i + 1 < raw.size() && (raw[i + 1] == '\x91' || raw[i + 1] == '\xB1')) {
      out.push_back('X');
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

bool is_cic(std::string_view s) {
  return s.size() == 9 && all_digits(s);
}

bool is_citizen_id(std::string_view s) {
  return s.size() == 9 && all_digits(s);
}

bool is_ocr(std::string_view s) {
  return s.size() == 13 && all_digits(s);
}

bool is_emission_number(std::string_view s) {
  return !s.empty() && s.size() <= 2 && all_digits(s);
}

std::string pad_emission_number(std::string_view s) {
  // Appended, not `"0" + std::string(s)`: GCC 12 at -O3 reports a bogus -Wrestrict in
  // operator+(const char*, string&&).
  return s.size() == 1 ? std::string("0").append(s) : std::string(s);
}

bool is_elector_key(std::string_view s) {
  // ^[A-Z]{6}[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])(0[1-9]|[12][0-9]|3[0-2]|87|88)[HM][0-9]{3}$
  if (s.size() != 18 || !all_upper(s.substr(0, 6)) || !all_digits(s.substr(6, 8)) || !all_digits(s.substr(15, 3))) {
    return false;
  }
  if (!is_yymmdd_date(s.substr(6, 6))) {
    return false;
  }
  const int state = two_digits(s.substr(12, 2));
  const bool state_ok = (state >= 1 && state <= 32) || state == 87 || state == 88;
  return state_ok && (s[14] == 'H' || s[14] == 'M');
}

bool is_curp(std::string_view s) {
  // ^[A-Z][AEIOUX][A-Z]{2}[0-9]{6}[HMX](state)[B-DF-HJ-NP-TV-Z]{3}[0-9A-Z][0-9]$ + check digit
  if (s.size() != 18 || !all_upper(s.substr(0, 4)) || !all_digits(s.substr(4, 6))) {
    return false;
  }
  if (std::string_view("AEIOUX").find(s[1]) == std::string_view::npos) {
    return false;
  }
  if (!is_yymmdd_date(s.substr(4, 6))) {
    return false;
  }
  if (s[10] != 'H' && s[10] != 'M' && s[10] != 'X') {
    return false;
  }
  if (std::find(kCurpStates.begin(), kCurpStates.end(), s.substr(11, 2)) == kCurpStates.end()) {
    return false;
  }
  if (!is_consonant(s[13]) || !is_consonant(s[14]) || !is_consonant(s[15])) {
    return false;
  }
  const char homonym = s[16];
  if (!((homonym >= '0' && homonym <= '9') || (homonym >= 'A' && homonym <= 'Z')) || !all_digits(s.substr(17, 1))) {
    return false;
  }
  const auto check = curp_check_digit(s.substr(0, 17));
  return check && *check == s[17] - '0';
}

}  // namespace inereg::ine
