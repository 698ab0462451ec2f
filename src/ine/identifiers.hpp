#pragma once

#include <string>
#include <string_view>

// Formats of the INE credential's identifiers (ine-domain.md §3). Pure functions,
// no I/O. Every validator expects already-normalized input.
namespace inereg::ine {

// Documented input normalization (docs/IDENTIFIERS.md): spaces, tabs, dashes and dots
// removed ("1870 064-12" -> "187006412"), ASCII letters upper-cased, Ñ/ñ (UTF-8) -> X.
// Nothing else is repaired here: digit/letter confusions are only fixed where a check
// digit confirms it (the MRZ reading path, mrz_repair.hpp).
std::string normalize_identifier(std::string_view raw);

// YYMMDD naming a real calendar day (no century: 29 Feb accepted when YY % 4 == 0).
bool is_yymmdd_date(std::string_view s);

bool is_cic(std::string_view s);              // ^[0-9]{9}$
bool is_citizen_id(std::string_view s);       // identificador del ciudadano, ^[0-9]{9}$
bool is_ocr(std::string_view s);              // ^[0-9]{13}$
bool is_elector_key(std::string_view s);      // CLAVE_STRICT; the date is a calendar day, state 01-32/87/88
bool is_emission_number(std::string_view s);  // ^[0-9]{1,2}$
bool is_curp(std::string_view s);             // CURP pattern, calendar date, RENAPO check digit

// "1" -> "01"; callers validate with is_emission_number first.
std::string pad_emission_number(std::string_view s);

}  // namespace inereg::ine
