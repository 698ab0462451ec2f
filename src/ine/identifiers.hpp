#pragma once

#include <string>
#include <string_view>

// Formats of the INE credential's identifiers (ine-domain.md §3). Pure functions,
// no I/O. Every validator expects already-normalized input.
namespace inereg::ine {

// Documented input normalization: ASCII upper case, and spaces, dashes and dots
// removed ("1870 064-12" -> "187006412"). Nothing else is repaired here: digit/letter
// confusions are only fixed where a check digit confirms it (MRZ reading).
std::string normalize_identifier(std::string_view raw);

bool is_cic(std::string_view s);              // ^[0-9]{9}$
bool is_citizen_id(std::string_view s);       // identificador del ciudadano, ^[0-9]{9}$
bool is_ocr(std::string_view s);              // ^[0-9]{13}$
bool is_elector_key(std::string_view s);      // CLAVE_STRICT: date and state code checked
bool is_emission_number(std::string_view s);  // ^[0-9]{1,2}$
bool is_curp(std::string_view s);             // CURP pattern and RENAPO check digit

// "1" -> "01"; callers validate with is_emission_number first.
std::string pad_emission_number(std::string_view s);

}  // namespace inereg::ine
