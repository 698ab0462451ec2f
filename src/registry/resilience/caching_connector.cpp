#include "registry/resilience/caching_connector.hpp"

namespace inereg::registry {
namespace {

// Every lookup form's inputs: the answer depends on all of them (ine::lookup_keys).
std::string lookup_inputs(const std::vector<ine::LookupKey>& keys) {
  std::string joined;
  for (const auto& key : keys) {
    joined += key.canonical;
    joined += '\n';
  }
  return joined;
}

}  // namespace

CachingConnector::CachingConnector(std::unique_ptr<RegistryConnector> inner, CacheOptions options, KeyedHash keyed_hash,
                                   Clock clock)
    : ConnectorLayer(std::move(inner)),
      options_(options),
      keyed_hash_(std::move(keyed_hash)),
      clock_(std::move(clock)) {}

void CachingConnector::ask(const Lookup& lookup, Done done) {
  std::string key = keyed_hash_(lookup_inputs(lookup.forms));
  {
    std::unique_lock lock(mutex_);
    if (const auto it = entries_.find(key); it != entries_.end()) {
      if (it->second.expires_at_ms > clock_()) {
        ++stats_.hits;
        auto outcome = it->second.outcome;
        lock.unlock();
        done(std::move(outcome));
        return;
      }
      entries_.erase(it);
    }
    if (const auto it = waiting_.find(key); it != waiting_.end()) {
      ++stats_.joined;
      it->second.push_back(std::move(done));
      return;
    }
    ++stats_.misses;
    waiting_[key].push_back(std::move(done));
  }
  inner().ask(lookup, [this, key = std::move(key)](const LookupOutcome& outcome) { answered(key, outcome); });
}

void CachingConnector::answered(const std::string& key, const LookupOutcome& outcome) {
  std::vector<Done> callers;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = waiting_.find(key); it != waiting_.end()) {
      callers = std::move(it->second);
      waiting_.erase(it);
    }
    if (outcome.kind == LookupOutcome::Kind::kVerdict && options_.ttl_ms > 0) {
      const auto now = clock_();
      if (entries_.size() >= options_.max_entries) {
        std::erase_if(entries_, [now](const auto& entry) { return entry.second.expires_at_ms <= now; });
      }
      if (entries_.size() < options_.max_entries) {
        entries_[key] = Entry{outcome, now + options_.ttl_ms};
      }
    }
  }
  for (auto& done : callers) {
    done(outcome);
  }
}

CachingConnector::CacheStats CachingConnector::cache_stats() const {
  std::lock_guard lock(mutex_);
  auto stats = stats_;
  stats.entries = entries_.size();
  return stats;
}

}  // namespace inereg::registry
