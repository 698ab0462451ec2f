#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ine/credential.hpp"

namespace inereg::registry {

// What a registry lookup produced. Only kVerdict is an answer about the credential;
// kUnavailable (outage, timeout, rate limit, open breaker, bad upstream answer) is never
// turned into `active: false` — the check stays pending and is retried.
struct LookupOutcome {
  enum class Kind { kVerdict, kUnavailable };
  Kind kind = Kind::kUnavailable;
  int situation = 0;   // catalog id (ine/situation.hpp), with kVerdict
  std::string reason;  // for operators' logs, with kUnavailable; never personal data
  // With kUnavailable: the earliest time worth trying again, when the source said so
  // (429 Retry-After, an open circuit breaker). The pipeline waits at least this long.
  std::optional<std::int64_t> retry_after_ms;
};

// Counters a connector exposes for GET /metrics. Monotonic unless noted.
struct ConnectorStats {
  std::int64_t in_flight = 0;                 // gauge: upstream calls running now
  std::int64_t requests = 0;                  // upstream attempts started
  std::int64_t failures = 0;                  // attempts without a usable answer
  std::int64_t rate_limited = 0;              // attempts answered 429
  std::int64_t rejected_by_cap = 0;           // lookups refused because the in-flight cap was full
  int breaker_state = 0;                      // gauge: 0 closed, 1 half-open, 2 open
  std::vector<double> latency_bounds_s;       // histogram bucket upper bounds, ascending
  std::vector<std::int64_t> latency_buckets;  // cumulative counts per bound (Prometheus `le`)
  double latency_sum_s = 0;
  std::int64_t latency_count = 0;
};

// A source of registry verdicts: the local snapshot, or an HTTP upstream.
// Implementations are thread-safe. lookup() starts one lookup and calls `done` exactly
// once — possibly before lookup() returns, possibly on another thread (an HTTP
// connector's event loop). It must not block on network I/O: the pipeline keeps many
// lookups in flight at once.
class RegistryConnector {
 public:
  using Done = std::function<void(LookupOutcome)>;
  virtual ~RegistryConnector() = default;
  virtual void lookup(const ine::Credential& credential, Done done) = 0;
  virtual ConnectorStats stats() const { return {}; }
};

}  // namespace inereg::registry
