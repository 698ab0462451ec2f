#pragma once

#include <string_view>

// Why a photo gave no MRZ reading, in terms a person retaking the photo can act on.
//
// This is the reader's own vocabulary (vision::MrzReader sets it on every unreadable
// MrzReading). A page or the API maps it to its own words and, if it has one, to its own
// coarser reason type; the names below are stable identifiers for that mapping, logs,
// metrics and tests, never prose for a person.
namespace inereg::vision {

enum class ReadFailure {
  kNotAnImage,         // empty, or not a decodable JPEG, PNG or WebP
  kMrzNotFound,        // no three machine-readable lines anywhere in the photo
  kTooSmall,           // the image, or the MRZ's characters in it, too small: too far away or too few pixels
  kCutOff,             // the MRZ runs off an edge of the photo
  kTooBlurred,         // the MRZ is there but its characters are too soft to read (motion, focus)
  kGlare,              // the MRZ is there but a reflection washes part of it out
  kUnclearCharacters,  // the MRZ is there and looks fine, but some characters were not read with certainty
  kCheckDigitsFail,    // every character read, but the check digits do not hold: a misprinted or altered card
  kReaderUnavailable,  // the server could not run the OCR (language data missing, out of memory): not the photo
};

// The stable name of a failure ("mrz_not_found", "glare", ...).
constexpr std::string_view read_failure_name(ReadFailure failure) {
  switch (failure) {
    case ReadFailure::kNotAnImage:
      return "not_an_image";
    case ReadFailure::kMrzNotFound:
      return "mrz_not_found";
    case ReadFailure::kTooSmall:
      return "too_small";
    case ReadFailure::kCutOff:
      return "cut_off";
    case ReadFailure::kTooBlurred:
      return "too_blurred";
    case ReadFailure::kGlare:
      return "glare";
    case ReadFailure::kUnclearCharacters:
      return "unclear_characters";
    case ReadFailure::kCheckDigitsFail:
      return "check_digits_fail";
    case ReadFailure::kReaderUnavailable:
      return "reader_unavailable";
  }
  return "unknown";
}

}  // namespace inereg::vision
