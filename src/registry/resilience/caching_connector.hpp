#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "registry/connector.hpp"

namespace inereg::registry {

struct CacheOptions {
  std::int64_t ttl_ms = 30'000;  // how long a verdict is reused
  std::size_t max_entries = 100'000;
};

// A result cache in front of another connector (the top layer of a stack, so a hit
// takes no in-flight slot). Entries are keyed by a keyed hash
// (HMAC-SHA256 under a key derived from the master key) of the credential's lookup
// inputs, so neither raw identifiers nor an unkeyed, guessable hash sit in memory.
// Only verdicts are cached; an unavailable answer is passed on and forgotten.
// Lookups for the same key while one is in flight wait for that one (single-flight):
// a burst of checks of one credential makes one upstream call.
// Thread-safe; `done` runs on the thread that answered the inner lookup (or inline for
// a hit), never under the cache's lock.
class CachingConnector final : public ConnectorLayer {
 public:
  using KeyedHash = std::function<std::string(std::string_view)>;
  using Clock = std::function<std::int64_t()>;  // milliseconds, monotonic

  CachingConnector(std::unique_ptr<RegistryConnector> inner, CacheOptions options, KeyedHash keyed_hash, Clock clock);

  void ask(const Lookup& lookup, Done done) override;

  struct CacheStats {
    std::int64_t hits = 0;
    std::int64_t misses = 0;  // inner lookups started
    std::int64_t joined = 0;  // lookups that waited on an in-flight one
    std::size_t entries = 0;
  };
  CacheStats cache_stats() const;

 private:
  struct Entry {
    LookupOutcome outcome;
    std::int64_t expires_at_ms = 0;
  };
  void answered(const std::string& key, const LookupOutcome& outcome);

  const CacheOptions options_;
  const KeyedHash keyed_hash_;
  const Clock clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::unordered_map<std::string, std::vector<Done>> waiting_;  // in-flight key → its callers
  CacheStats stats_;
};

}  // namespace inereg::registry
