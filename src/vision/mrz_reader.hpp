#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ine/mrz.hpp"
#include "vision/read_failure.hpp"

// Reads the MRZ off a photo of an INE card's back (docs/ARCHITECTURE.md, "MRZ reading").
namespace inereg::vision {

// Either a parsed MRZ whose four check digits all hold, or why none could be read.
// A reading is never a guess: anything short of every check digit holding is unreadable.
struct MrzReading {
  std::optional<ine::Mrz> mrz;
  std::optional<ReadFailure> failure;  // set exactly when mrz is not: what a person can change
  std::string unreadable_reason;       // the same in a sentence for logs; never contains MRZ characters
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
  MrzReading read(std::span<const std::uint8_t> encoded_image) const;
};

}  // namespace inereg::vision
