#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ine/mrz.hpp"
#include "media/image_content.hpp"

// Reads the MRZ off a photo of an INE card's back (docs/ARCHITECTURE.md, "MRZ reading").
namespace inereg::vision {

// Why a photo gave no MRZ, in terms the person taking it can act on (the verification
// page words each one; docs/ARCHITECTURE.md, "The verification page"). Deliberately
// small and general: a better reader refines which one it reports, not the list.
enum class ReadFailure {
  kNone,               // the MRZ was read
  kNotAnImage,         // empty, or not a decodable JPEG, PNG or WebP
  kTooSmall,           // too few pixels to hold a readable MRZ, or the MRZ too small: come closer
  kMrzNotFound,        // no three MRZ lines located: not in the frame (or not a card's back)
  kCutOff,             // the MRZ runs to an edge of the photo: part of it is outside the frame
  kBlurred,            // MRZ located but out of focus or moved: hold still, let it focus
  kGlare,              // MRZ located but a reflection washes part of it out: tilt the card
  kMrzUnclear,         // MRZ located but its characters do not read, for no reason measured
  kCheckDigits,        // characters read but a check digit does not hold
  kReaderUnavailable,  // the OCR engine cannot run: not the photo's fault
};

// How many ReadFailure values there are (kReaderUnavailable is the last), for counters by failure.
inline constexpr std::size_t kReadFailureKinds = static_cast<std::size_t>(ReadFailure::kReaderUnavailable) + 1;

// "mrz_not_found", "mrz_unclear", ...: stable snake_case names for clients and logs.
std::string_view read_failure_name(ReadFailure failure);

// Either a parsed MRZ whose four check digits all hold, or why none could be read.
// A reading is never a guess: anything short of every check digit holding is unreadable.
struct MrzReading {
  std::optional<ine::Mrz> mrz;
  ReadFailure failure = ReadFailure::kNone;  // kNone exactly when mrz is set
  std::string unreadable_reason;             // detail for logs; empty when mrz is set; never MRZ characters
};

// Finds and reads the MRZ in an encoded image (JPEG, PNG or WebP; whatever Leptonica's
// pixReadMem decodes). Steps: grayscale → estimate and remove skew (± a few degrees) →
// find three stacked text-line bands of MRZ proportions → crop and upscale each line →
// Tesseract (LSTM, one line, a per-line character whitelist) → re-align the '<' runs →
// ine::parse_mrz_reading (check-digit-confirmed confusion repairs). Several
// preprocessing variants are tried; the first whose reading passes every check wins.
//
// Thread-safety: read() may be called from any number of threads at once. Tesseract's
// API object is not thread-safe and expensive to initialize, so each thread keeps one
// (thread_local), initialized on its first read. Language data: Tesseract's default
// location, overridable with the TESSDATA_PREFIX environment variable; "eng" is needed.
class MrzReader {
 public:
  // `limits`: an image declaring more is refused unread (kNotAnImage), never decoded.
  explicit MrzReader(media::ImageLimits limits = {}) : limits_(limits) {}

  MrzReading read(std::span<const std::uint8_t> encoded_image) const;

 private:
  media::ImageLimits limits_;
};

}  // namespace inereg::vision
