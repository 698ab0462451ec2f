#include "support/cards.hpp"

#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "vision/mrz_reader.hpp"

namespace inereg::testing {

std::string read_binary_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + file.string());
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

CommittedCard first_readable_card(const std::filesystem::path& cards_dir) {
  std::istringstream manifest(read_binary_file(cards_dir / "manifest.tsv"));
  const vision::MrzReader reader;
  for (std::string line; std::getline(manifest, line);) {
    if (line.empty() || line.starts_with("#")) {
      continue;
    }
    std::vector<std::string> columns;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, '\t');) {
      columns.push_back(cell);
    }
    if (columns.size() < 5) {
      continue;
    }
    const auto truth = ine::parse_mrz(columns[2] + "\n" + columns[3] + "\n" + columns[4]);
    if (!truth.ok()) {
      throw std::runtime_error("manifest MRZ of " + columns[0] + " does not parse");
    }
    CommittedCard card{columns[0], read_binary_file(cards_dir / columns[0]), *truth.mrz};
    const auto* data = reinterpret_cast<const std::uint8_t*>(card.bytes.data());
    const auto reading = reader.read(std::span<const std::uint8_t>(data, card.bytes.size()));
    if (reading.mrz && reading.mrz->line1 == card.truth.line1 && reading.mrz->line2 == card.truth.line2 &&
        reading.mrz->line3 == card.truth.line3) {
      return card;
    }
  }
  throw std::runtime_error("vision::MrzReader reads none of the committed cards exactly");
}

}  // namespace inereg::testing
