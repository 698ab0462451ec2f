#pragma once

#include <string_view>

#include "ine/mrz.hpp"

// The OCR reading path's only repairs of an MRZ text (docs/IDENTIFIERS.md, "OCR
// repairs"). A typed MRZ goes through parse_mrz, which repairs nothing.
namespace inereg::ine {

// Parses MRZ text that came from OCR, after repairing digit/letter confusions where
// the position's type is known and a check digit confirms the repair:
//
//  - digit slots (CIC, OCR block, dates, the four check digits — every one of them is
//    covered by a check digit): a letter that OCR confuses with digits (O/Q/D/U -> 0,
//    I/L/J -> 1, Z -> 2 or 7, A -> 4, S -> 5, G -> 6, T -> 7, B -> 8) is replaced by
//    each digit it may stand for; any other non-digit there is not repaired;
//  - the layout's constants IDMEX, the "<<" after the check digit and MEX: one wrong
//    character in a constant is set back (they carry no data; "1DMEX" is IDMEX), two or
//    more make the text something other than an INE MRZ.
//
// Every combination of candidates is parsed; the repair is accepted only when exactly
// one combination passes parse_mrz (so all four check digits hold). None: the error of
// the unrepaired text. More than one: kAmbiguousRepair. The sex, the optional data of
// line 2 (mixed letters and digits, no fixed type) and the name line are never repaired.
// Line breaks and lengths are not repaired either: the caller hands in three lines.
MrzParse parse_mrz_reading(std::string_view ocr_text);

}  // namespace inereg::ine
