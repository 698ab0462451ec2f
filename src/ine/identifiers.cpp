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

bool is_month(std::string_view s) {
  const int m = two_digits(s);
  return m >= 1 && m <= 12;
}

bool is_day(std::string_view s) {
  const int d = two_digits(s);
  return d >= 1 && d <= 31;
}

bool is_consonant(char c) {
  return c >= 'A' && c <= 'Z' && c != 'A' && c != 'E' && c != 'I' && c != 'O' && c != 'U';
}

// RENAPO's state codes (CURP positions 12-13), NE = born abroad.
constexpr std::array<std::string_view, 33> kCurpStates = {
    "AS", "BC", "BS", "CC", "CL", "CM", "CS", "CH", "DF", "DG", "GT", "GR", "HG", "JC", "MC", "MN", "MS",
    "NT", "NL", "OC", "PL", "QT", "QR", "SP", "SL", "SR", "TC", "TS", "TL", "VZ", "YN", "ZS", "NE"};

}  // namespace

std::string normalize_identifier(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (const char c : raw) {
    if (c == ' ' || c == '-' || c == '.' || c == '\t') {
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
  return s.size() == 1 ? "0" + std::string(s) : std::string(s);
}

bool is_elector_key(std::string_view s) {
  // ^[A-Z]{6}[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])(0[1-9]|[12][0-9]|3[0-2]|87|88)[HM][0-9]{3}$
  if (s.size() != 18 || !all_upper(s.substr(0, 6)) || !all_digits(s.substr(6, 8)) || !all_digits(s.substr(15, 3))) {
    return false;
  }
  if (!is_month(s.substr(8, 2)) || !is_day(s.substr(10, 2))) {
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
  if (!is_month(s.substr(6, 2)) || !is_day(s.substr(8, 2))) {
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
