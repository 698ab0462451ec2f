#include "registry/resilience/attempt_meter.hpp"

namespace inereg::registry {

void AttemptMeter::ask(const Lookup& lookup, Done done) {
  ++requests_;
  const auto started = std::chrono::steady_clock::now();
  inner().ask(lookup, [this, started, done = std::move(done)](LookupOutcome outcome) {
    observe_latency(std::chrono::steady_clock::now() - started);
    if (outcome.cause == LookupOutcome::Cause::kRateLimited) {
      ++rate_limited_;
    } else if (outcome.kind != LookupOutcome::Kind::kVerdict) {
      ++failures_;
    }
    done(std::move(outcome));
  });
}

void AttemptMeter::observe_latency(std::chrono::steady_clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  std::size_t bucket = 0;
  while (bucket < kLatencyBoundsS.size() && seconds > kLatencyBoundsS[bucket]) {
    ++bucket;
  }
  ++latency_counts_[bucket];
  latency_sum_us_ += std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
}

ConnectorStats AttemptMeter::stats() const {
  auto stats = ConnectorLayer::stats();
  stats.requests = requests_.load();
  stats.failures = failures_.load();
  stats.rate_limited = rate_limited_.load();
  std::int64_t cumulative = 0;
  for (std::size_t i = 0; i < kLatencyBoundsS.size(); ++i) {
    cumulative += latency_counts_[i].load();
    stats.latency_bounds_s.push_back(kLatencyBoundsS[i]);
    stats.latency_buckets.push_back(cumulative);
  }
  stats.latency_count = cumulative + latency_counts_.back().load();
  stats.latency_sum_s = static_cast<double>(latency_sum_us_.load()) / 1e6;
  return stats;
}

}  // namespace inereg::registry
