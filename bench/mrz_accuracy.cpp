// Runs vision::MrzReader over the images of a cardgen manifest (tools/cardgen) and
// reports how many were read exactly, rejected as unreadable, or read wrongly, with the
// CPU time per image (one thread) and the process's peak RSS. Driven by bench/mrz_accuracy.sh.
//
//   mrz_accuracy MANIFEST.tsv [--verbose]
//
// Output: one "BENCH key=value ..." summary line (parsed by the script); with
// --verbose also one line per image (file, outcome, ms, failure name, reason). Exit 0 when every image
// was processed (whatever the accuracy), 2 when the manifest could not be read.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
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
  std::map<std::string_view, int> failures;
  for (const auto& entry : entries) {
    std::ifstream in(manifest.parent_path() / entry.file, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // CPU time of this thread: the reader's cost on one core, whatever else the machine runs.
    timespec start{}, end{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
    const auto reading = reader.read(bytes);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
    millis.push_back((end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6);

    std::string outcome;
    if (!reading.mrz) {
      outcome = "unreadable";
      ++unreadable;
      ++failures[inereg::vision::read_failure_name(reading.failure)];
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
      const std::string_view failure = reading.mrz ? "" : inereg::vision::read_failure_name(reading.failure);
      std::printf("%s\t%s\t%.1f ms\t%.*s\t%s\n", entry.file.c_str(), outcome.c_str(), millis.back(),
                  static_cast<int>(failure.size()), failure.data(), reading.unreadable_reason.c_str());
    }
  }

  const auto n = static_cast<double>(entries.size());
  double total = 0;
  for (const double ms : millis) {
    total += ms;
  }
  std::sort(millis.begin(), millis.end());
  const double p95 = millis[std::min(millis.size() - 1, static_cast<std::size_t>(0.95 * millis.size()))];
  for (const auto& [failure, count] : failures) {
    std::printf("unreadable %4d  %.*s\n", count, static_cast<int>(failure.size()), failure.data());
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "BENCH images=%zu exact=%d unreadable=%d wrong=%d exact_pct=%.2f unreadable_pct=%.2f wrong_pct=%.2f "
      "clean=%d clean_exact=%d mean_ms=%.1f p95_ms=%.1f peak_rss_mib=%.1f\n",
      entries.size(), exact, unreadable, wrong, 100.0 * exact / n, 100.0 * unreadable / n, 100.0 * wrong / n, clean,
      clean_exact, total / n, p95, usage.ru_maxrss / 1024.0);
  return 0;
}
