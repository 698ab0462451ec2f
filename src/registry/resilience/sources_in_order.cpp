#include "registry/resilience/sources_in_order.hpp"

#include <algorithm>
#include <stdexcept>

namespace inereg::registry {

struct SourcesInOrder::Turn {
  Lookup lookup;
  Done done;
  std::size_t next = 0;  // the source to ask
  std::string reasons;   // of the sources that gave no verdict, for the log
  std::optional<std::int64_t> retry_after_ms;
  bool every_source_hinted = true;
};

SourcesInOrder::SourcesInOrder(std::vector<Source> sources) : sources_(std::move(sources)) {
  if (sources_.empty()) {
    throw std::logic_error("SourcesInOrder needs at least one source");
  }
}

void SourcesInOrder::ask(const Lookup& lookup, Done done) {
  auto turn = std::make_shared<Turn>();
  turn->lookup = lookup;
  turn->done = std::move(done);
  ask_next(std::move(turn));
}

void SourcesInOrder::ask_next(std::shared_ptr<Turn> turn) {
  const Source& source = sources_[turn->next++];
  const Lookup& lookup = turn->lookup;  // named before `turn` moves into the callback
  source.connector->ask(lookup, [this, &source, turn = std::move(turn)](LookupOutcome outcome) mutable {
    outcome.source = source.name;
    if (outcome.kind == LookupOutcome::Kind::kVerdict) {
      turn->done(std::move(outcome));
      return;
    }
    turn->reasons += (turn->reasons.empty() ? "" : "; ") + source.name + ": " + outcome.reason;
    if (!outcome.retry_after_ms) {
      turn->every_source_hinted = false;
    } else if (!turn->retry_after_ms || *outcome.retry_after_ms < *turn->retry_after_ms) {
      turn->retry_after_ms = outcome.retry_after_ms;
    }
    const bool time_left = std::chrono::steady_clock::now() < turn->lookup.deadline;
    if (turn->next < sources_.size() && time_left) {
      ask_next(std::move(turn));
      return;
    }
    if (sources_.size() > 1) {
      outcome.reason = std::move(turn->reasons);
      outcome.retry_after_ms = turn->every_source_hinted ? turn->retry_after_ms : std::nullopt;
    }
    turn->done(std::move(outcome));
  });
}

ConnectorStats SourcesInOrder::stats() const {
  ConnectorStats total;
  for (const auto& source : sources_) {
    const auto stats = source.connector->stats();
    total.in_flight += stats.in_flight;
    total.requests += stats.requests;
    total.failures += stats.failures;
    total.rate_limited += stats.rate_limited;
    total.rejected_by_cap += stats.rejected_by_cap;
    total.breaker_state = std::max(total.breaker_state, stats.breaker_state);
    if (total.latency_bounds_s.empty()) {
      total.latency_bounds_s = stats.latency_bounds_s;
      total.latency_buckets.assign(stats.latency_bounds_s.size(), 0);
    }
    for (std::size_t i = 0; i < stats.latency_buckets.size() && i < total.latency_buckets.size(); ++i) {
      total.latency_buckets[i] += stats.latency_buckets[i];
    }
    total.latency_sum_s += stats.latency_sum_s;
    total.latency_count += stats.latency_count;
  }
  return total;
}

void SourcesInOrder::stop() {
  for (const auto& source : sources_) {
    source.connector->stop();
  }
}

}  // namespace inereg::registry
