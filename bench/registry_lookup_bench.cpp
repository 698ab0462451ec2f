// bench/registry_lookup_bench: the local registry's lookups (registry::LocalRegistry over
// the active snapshot, exactly as `serve` builds it) timed one by one. Driven by
// bench/national_registry_bench.sh; see bench/README.md.
//
//   INEREG_MASTER_KEY=… registry_lookup_bench DB_URL SAMPLE_CSV LOOKUPS [MISS_PERCENT]
//
// Asks LOOKUPS lookups in random order: credentials of SAMPLE_CSV's rows (in the
// snapshot) and MISS_PERCENT % well-formed credentials it does not hold. Prints one
// `BENCH key=value …` line: latency percentiles in microseconds, lookups/s, hits.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "app/service.hpp"
#include "ine/situation.hpp"
#include "registry/local_registry.hpp"
#include "registry/registry_file.hpp"
#include "store/store.hpp"

int main(int argc, char** argv) {
  using namespace inereg;
  if (argc < 4) {
    std::cerr << "usage: INEREG_MASTER_KEY=… registry_lookup_bench DB_URL SAMPLE_CSV LOOKUPS [MISS_PERCENT]\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  config::Config config;
  config.db = argv[1];
  const char* key = std::getenv("INEREG_MASTER_KEY");
  config.master_key = key != nullptr ? key : "";
  if (const char* dir = std::getenv("INEREG_REGISTRY_SNAPSHOT_DIR")) {
    config.registry.snapshot_dir = dir;
  }
  const long lookups = std::stol(argv[3]);
  const int miss_percent = argc > 4 ? std::stoi(argv[4]) : 10;

  std::vector<std::string> keys;
  std::ifstream sample(argv[2]);
  std::string line;
  std::getline(sample, line);  // header
  const long hits_wanted = lookups - lookups * miss_percent / 100;
  while (static_cast<long>(keys.size()) < hits_wanted && std::getline(sample, line)) {
    auto parsed = registry::parse_registry_line(line);
    if (auto* row = std::get_if<registry::RegistryRow>(&parsed)) {
      keys.push_back(registry::to_registry_entry(*row).lookup_key);
    }
  }
  registry::SyntheticRegistry unknown(424'242);  // a seed no bench registry uses
  while (static_cast<long>(keys.size()) < lookups) {
    keys.push_back(registry::to_registry_entry(unknown.next()).lookup_key);
  }
  std::shuffle(keys.begin(), keys.end(), std::mt19937_64(7));

  auto store = store::open_store(config.db, store::Migrations::kRequireCurrent, config.store);
  registry::LocalRegistry local(*store, app::local_snapshot_options(config, app::secret_box_from(config)));
  std::vector<double> micros;
  micros.reserve(keys.size());
  long found = 0;
  long unavailable = 0;
  const auto started = std::chrono::steady_clock::now();
  for (const auto& canonical : keys) {
    const auto t0 = std::chrono::steady_clock::now();
    local.ask(registry::Lookup{{ine::LookupKey{ine::LookupForm::kCicOcr, canonical}}},
              [&](registry::LookupOutcome outcome) {
                if (outcome.kind != registry::LookupOutcome::Kind::kVerdict) {
                  ++unavailable;
                } else if (outcome.situation != ine::kSituationNotFound) {
                  ++found;
                }
              });
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::sort(micros.begin(), micros.end());
  const auto at = [&](double q) {
    return micros[static_cast<std::size_t>(q * static_cast<double>(micros.size() - 1))];
  };
  std::cout << "BENCH lookups=" << micros.size() << " found=" << found << " unavailable=" << unavailable
            << " p50_us=" << at(0.5) << " p99_us=" << at(0.99) << " p999_us=" << at(0.999)
            << " max_us=" << micros.back()
            << " rate=" << static_cast<long>(static_cast<double>(micros.size()) / seconds) << "\n";
  return unavailable == 0 ? 0 : 1;
}
