// Runs vision::MrzReader over the images of a cardgen manifest (tools/cardgen) and
// reports how many were read exactly, rejected as unreadable, or read wrongly, with the
// time per image. Driven by bench/mrz_accuracy.sh.
//
//   mrz_accuracy MANIFEST.tsv [--verbose]
//
// Output: one "BENCH key=value ..." summary line (parsed by the script); with
// --verbose also one line per image (file, outcome, ms, reason). Exit 0 when every image
// was processed (whatever the accuracy), 2 when the manifest could not be read.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "vision/mrz_reader.hpp"

namespace {

struct Entry {
  std::string file;
  bool clean = false;
  std::string truth;  // three lines joined by '\n'
};

std::vector<Entry> read_manifest(const std::filesystem::path& path) {
  std::vector<Entry> entries;
  std::ifstream in(path);
  std::string row;
  while (std::getline(in, row)) {
    if (row.empty() || row[0] == '#') {
      continue;
    }
    std::vector<std::string> cells;
    std::stringstream split(row);
    for (std::string cell; std::getline(split, cell, '\t');) {
      cells.push_back(cell);
    }
    if (cells.size() >= 5) {
      entries.push_back({cells[0], cells[1] == "1", cells[2] + "\n" + cells[3] + "\n" + cells[4]});
    }
  }
  return entries;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: mrz_accuracy MANIFEST.tsv [--verbose]\n");
    return 2;
  }
  const std::filesystem::path manifest(argv[1]);
  const bool verbose = argc > 2 && std::string(argv[2]) == "--verbose";
  const auto entries = read_manifest(manifest);
  if (entries.empty()) {
    std::fprintf(stderr, "mrz_accuracy: no entries in %s\n", manifest.c_str());
    return 2;
  }

  const inereg::vision::MrzReader reader;
  int exact = 0, unreadable = 0, wrong = 0, clean = 0, clean_exact = 0;
  std::vector<double> millis;
  std::map<std::string, int> reasons;
  for (const auto& entry : entries) {
    std::ifstream in(manifest.parent_path() / entry.file, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto start = std::chrono::steady_clock::now();
    const auto reading = reader.read(bytes);
    millis.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());

    std::string outcome;
    if (!reading.mrz) {
      outcome = "unreadable";
      ++unreadable;
      ++reasons[reading.unreadable_reason];
    } else if (reading.mrz->line1 + "\n" + reading.mrz->line2 + "\n" + reading.mrz->line3 == entry.truth) {
      outcome = "exact";
      ++exact;
    } else {
      // Synthetic data only: say which lines differ, to direct the next fix.
      const std::string read = reading.mrz->line1 + "\n" + reading.mrz->line2 + "\n" + reading.mrz->line3;
      outcome = "WRONG(lines";
      for (int line = 0; line < 3; ++line) {
        if (read.substr(31 * line, 30) != entry.truth.substr(31 * line, 30)) {
          outcome += " " + std::to_string(line + 1);
        }
      }
      outcome += ")";
      ++wrong;
    }
    clean += entry.clean ? 1 : 0;
    clean_exact += entry.clean && outcome == "exact" ? 1 : 0;
    if (verbose) {
      std::printf("%s\t%s\t%.1f ms\t%s\n", entry.file.c_str(), outcome.c_str(), millis.back(),
                  reading.unreadable_reason.c_str());
    }
  }

  const auto n = static_cast<double>(entries.size());
  double total = 0;
  for (const double ms : millis) {
    total += ms;
  }
  std::sort(millis.begin(), millis.end());
  const double p95 = millis[std::min(millis.size() - 1, static_cast<std::size_t>(0.95 * millis.size()))];
  for (const auto& [reason, count] : reasons) {
    std::printf("unreadable %4d  %s\n", count, reason.c_str());
  }
  std::printf(
      "BENCH images=%zu exact=%d unreadable=%d wrong=%d exact_pct=%.2f unreadable_pct=%.2f wrong_pct=%.2f "
      "clean=%d clean_exact=%d mean_ms=%.1f p95_ms=%.1f\n",
      entries.size(), exact, unreadable, wrong, 100.0 * exact / n, 100.0 * unreadable / n, 100.0 * wrong / n, clean,
      clean_exact, total / n, p95);
  return 0;
}
