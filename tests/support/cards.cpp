#include "support/cards.hpp"

#include <leptonica/allheaders.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace inereg::testing {

std::string read_binary_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + file.string());
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string blank_png() {
  PIX* pix = pixCreate(640, 400, 8);
  pixSetAllArbitrary(pix, 255);
  l_uint8* data = nullptr;
  size_t size = 0;
  const bool written = pixWriteMem(&data, &size, pix, IFF_PNG) == 0;
  pixDestroy(&pix);
  if (!written) {
    throw std::runtime_error("cannot write the blank PNG");
  }
  std::string png(reinterpret_cast<const char*>(data), size);
  lept_free(data);
  return png;
}

CommittedCard committed_card(const std::filesystem::path& cards_dir, const std::string& file) {
  std::istringstream manifest(read_binary_file(cards_dir / "manifest.tsv"));
  for (std::string line; std::getline(manifest, line);) {
    std::vector<std::string> columns;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, '\t');) {
      columns.push_back(cell);
    }
    if (columns.size() < 5 || columns[0] != file) {
      continue;
    }
    const auto truth = ine::parse_mrz(columns[2] + "\n" + columns[3] + "\n" + columns[4]);
    if (!truth.ok()) {
      throw std::runtime_error("manifest MRZ of " + file + " does not parse");
    }
    return CommittedCard{file, read_binary_file(cards_dir / file), *truth.mrz};
  }
  throw std::runtime_error(file + " is not in " + (cards_dir / "manifest.tsv").string());
}

}  // namespace inereg::testing
