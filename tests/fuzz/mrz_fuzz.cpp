// Fuzz target for the MRZ parser and the OCR reading path's repairs. Built with
// libFuzzer when INEREG_FUZZ=ON (clang); the same function runs every file of
// corpus/mrz in the ordinary build's ctest (replay_main.cpp).
//
// Besides "no crash, no sanitizer report", it checks properties that must hold for
// every input, and traps when one does not:
//  - an accepted MRZ re-parses from its canonical lines to the same fields;
//  - whatever parse_mrz accepts, parse_mrz_reading accepts unchanged (repairs never
//    touch a valid text);
//  - whatever parse_mrz_reading accepts is itself a valid MRZ;
//  - an error message never contains the input's CIC-shaped digits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ine/mrz.hpp"
#include "ine/mrz_repair.hpp"
#include "require.hpp"

namespace {

using inereg::ine::Mrz;
using inereg::ine::MrzParse;

using inereg::fuzz::require;

std::string canonical(const Mrz& mrz) {
  return mrz.line1 + "\n" + mrz.line2 + "\n" + mrz.line3;
}

bool same_fields(const Mrz& a, const Mrz& b) {
  return a.cic == b.cic && a.cic_check_digit == b.cic_check_digit && a.ocr == b.ocr && a.citizen_id == b.citizen_id &&
         a.birth_date == b.birth_date && a.sex == b.sex && a.expiry_date == b.expiry_date &&
         a.vigencia_year == b.vigencia_year && a.optional_data == b.optional_data && a.surnames == b.surnames &&
         a.given_names == b.given_names && canonical(a) == canonical(b);
}

void check_accepted(const Mrz& mrz) {
  require(mrz.line1.size() == 30 && mrz.line2.size() == 30 && mrz.line3.size() == 30);
  require(mrz.cic.size() == 9 && mrz.ocr.size() == 13 && mrz.citizen_id == mrz.ocr.substr(4));
  require(mrz.sex == 'H' || mrz.sex == 'M');
  require(mrz.expiry_date.substr(2) == "1231");
  const MrzParse again = inereg::ine::parse_mrz(canonical(mrz));
  require(again.ok() && same_fields(*again.mrz, mrz));
}

void check_error_is_clean(const MrzParse& parse, std::string_view input) {
  require(parse.error.has_value() && !parse.error->message.empty());
  // Positions 6-14 of line 1 hold the CIC; if they are nine digits, they must not leak.
  if (input.size() >= 14) {
    const std::string_view cic = input.substr(5, 9);
    bool digits = true;
    for (const char c : cic) {
      digits = digits && c >= '0' && c <= '9';
    }
    if (digits) {
      require(parse.error->message.find(cic) == std::string::npos);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const MrzParse strict = inereg::ine::parse_mrz(input);
  const MrzParse reading = inereg::ine::parse_mrz_reading(input);
  if (strict.ok()) {
    check_accepted(*strict.mrz);
    require(reading.ok() && same_fields(*reading.mrz, *strict.mrz));
  } else {
    check_error_is_clean(strict, input);
  }
  if (reading.ok()) {
    check_accepted(*reading.mrz);
  } else {
    check_error_is_clean(reading, input);
  }
  return 0;
}
