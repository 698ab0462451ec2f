#pragma once

#include <optional>
#include <string_view>

namespace inereg::ine {

// ICAO 9303 (Part 3) 7-3-1 check digit over an MRZ field. Characters: 0-9 as
// themselves, A-Z as 10-35, '<' as 0. Returns nullopt for any other character:
// an unknown character is rejected, never guessed.
std::optional<int> icao_check_digit(std::string_view field);

// RENAPO CURP check digit over the first 17 characters of a CURP, using the
// alphabet 0-9 A-N Ñ O-Z (Ñ is written in the CURP as the UTF-8 byte pair, but a
// CURP on the wire is ASCII, so Ñ never appears here; the value gap is kept).
std::optional<int> curp_check_digit(std::string_view first17);

}  // namespace inereg::ine
