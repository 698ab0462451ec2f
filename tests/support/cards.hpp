#pragma once

#include <filesystem>
#include <string>

#include "ine/mrz.hpp"

// The committed synthetic card images (tests/data/cards, drawn by tools/cardgen with
// manifest.tsv holding each card's true MRZ), for tests that upload a card back.
namespace inereg::testing {

struct CommittedCard {
  std::string file;   // e.g. "card_0001.jpg"
  std::string bytes;  // the encoded image
  ine::Mrz truth;     // from manifest.tsv
};

// A committed card and its true MRZ from manifest.tsv. Every committed card is read
// exactly by vision::MrzReader (tests/vision asserts it); throws when `file` is not in
// the manifest or cannot be read.
CommittedCard committed_card(const std::filesystem::path& cards_dir, const std::string& file);

// A white 640x400 PNG: a decodable image with no MRZ on it (an unreadable card photo).
std::string blank_png();

// The file's bytes; throws when it cannot be read.
std::string read_binary_file(const std::filesystem::path& file);

}  // namespace inereg::testing
