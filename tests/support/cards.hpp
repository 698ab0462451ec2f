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

// The first card in manifest order that this build's vision::MrzReader reads exactly
// (OMP_THREAD_LIMIT=1 advised). The reader reads only some of the committed cards, and
// which ones changes as it improves, so the tests ask it rather than naming a file.
// Throws when none reads or the manifest is missing.
CommittedCard first_readable_card(const std::filesystem::path& cards_dir);

// The file's bytes; throws when it cannot be read.
std::string read_binary_file(const std::filesystem::path& file);

}  // namespace inereg::testing
