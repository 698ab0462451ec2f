#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
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
  // Why a lookup is unavailable, for the layers of a connector stack (which answers a
  // retry may fix, which says nothing of the upstream's health). The check pipeline
  // treats every cause alike.
  enum class Cause {
    kNone,         // a verdict
    kTransient,    // transport error, timeout, 5xx, 408: another attempt may answer
    kRateLimited,  // 429: retry_after_ms is the source's Retry-After, when it gave one
    kNoVerdict,    // the source answered, but not with a verdict: asking again will not help
    kRefused,      // not asked: a guard refused it (open breaker, full cap, 429 gate, deadline, stopped)
  };
  Kind kind = Kind::kUnavailable;
  int situation = 0;   // catalog id (ine/situation.hpp), with kVerdict
  std::string reason;  // for operators' logs, with kUnavailable; never personal data
  // With kUnavailable: the earliest time worth trying again, when the source said so
  // (429 Retry-After, an open circuit breaker). The pipeline waits at least this long.
  std::optional<std::int64_t> retry_after_ms;
  Cause cause = Cause::kNone;
  // The source's answer body as received (HttpSource; the local registry has none). May
  // carry personal data: never logged; stored only sealed (auth/answer_box.hpp).
  std::string answer;
  // The name of the source that answered (`[source.NAME]`, "local"), set by
  // SourcesInOrder; recorded with the result.
  std::string source;
  // With kVerdict, what the decision payload reports of the answer (issue 16, item 4):
  // the vendor's message code the verdict was read from (Nubarium's claveMensaje: a
  // ConfiguredMapping field with Codebook::kMessageCodes), when there is one; when the
  // upstream answered (HttpSource, wall clock, ms since the epoch); or, for a local
  // snapshot, when it was imported (Store::find_snapshot_date).
  std::optional<int> message_code;
  std::optional<std::int64_t> answered_at_ms;
  std::optional<std::int64_t> snapshot_at_ms;

  static LookupOutcome verdict(int situation);
  static LookupOutcome unavailable(Cause cause, std::string reason, std::optional<std::int64_t> retry_after_ms = {});
};

// Counters a connector stack exposes for GET /metrics, each filled in by the layer that
// owns it (docs/ARCHITECTURE.md, "Registry sources"). Monotonic unless noted.
struct ConnectorStats {
  std::int64_t in_flight = 0;                 // gauge: lookups running now (InFlightCap)
  std::int64_t requests = 0;                  // upstream attempts started (AttemptMeter)
  std::int64_t failures = 0;                  // attempts without a usable answer (AttemptMeter)
  std::int64_t rate_limited = 0;              // attempts answered 429 (AttemptMeter)
  std::int64_t rejected_by_cap = 0;           // lookups refused because the in-flight cap was full (InFlightCap)
  int breaker_state = 0;                      // gauge: 0 closed, 1 half-open, 2 open (BreakerGuard)
  std::vector<double> latency_bounds_s;       // histogram bucket upper bounds, ascending (AttemptMeter)
  std::vector<std::int64_t> latency_buckets;  // cumulative counts per bound (Prometheus `le`)
  double latency_sum_s = 0;
  std::int64_t latency_count = 0;
};

using Deadline = std::chrono::steady_clock::time_point;
// The steady clock's "now". Layers that keep time take one, so a test can drive it.
using SteadyNow = std::function<Deadline()>;
// A steady time point in whole milliseconds (the circuit breaker's and the 429 gate's unit).
inline std::int64_t steady_ms(Deadline at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

// One lookup as it travels down a connector stack: the credential's lookup forms, most
// specific first (ine::lookup_keys; never empty), and when the answer is due. Layers
// may narrow it (FormsInTurn hands one form at a time down; TimeBudget tightens the
// deadline). Carries personal data: never log it.
struct Lookup {
  std::vector<ine::LookupKey> forms;
  Deadline deadline = Deadline::max();  // max: no layer has set one yet
};

// A source of registry verdicts, or a layer wrapping one (docs/ARCHITECTURE.md).
// Implementations are thread-safe. ask() starts one lookup and calls `done` exactly
// once — possibly before ask() returns, possibly on another thread (an HTTP source's
// event loop). It must not block on network I/O: the pipeline keeps many lookups in
// flight at once.
class RegistryConnector {
 public:
  using Done = std::function<void(LookupOutcome)>;
  virtual ~RegistryConnector() = default;

  // The check pipeline's entry point: asks the credential's lookup forms; a credential
  // without a complete form is unavailable at once (no source is asked).
  void lookup(const ine::Credential& credential, Done done);
  // A CURP source's entry point (issue 16): the credential's CURP as one kCurp form; a
  // credential without a CURP is unavailable at once.
  void lookup_curp(const ine::Credential& credential, Done done);

  virtual void ask(const Lookup& lookup, Done done) = 0;
  virtual ConnectorStats stats() const { return {}; }
  // Stops the threads of this layer and the layers below it, answering every lookup
  // still running ("connector stopped"); later lookups are refused. Idempotent. A
  // stack is stopped before it is destroyed, so no answer reaches a destroyed layer.
  virtual void stop() {}
};

// A layer over another connector (resilience, caching, form order). Forwards stats()
// and stop() to the inner connector, which it owns; a layer adds what it owns.
class ConnectorLayer : public RegistryConnector {
 public:
  explicit ConnectorLayer(std::unique_ptr<RegistryConnector> inner) : inner_(std::move(inner)) {}
  ConnectorStats stats() const override { return inner_->stats(); }
  void stop() override { inner_->stop(); }

 protected:
  RegistryConnector& inner() const { return *inner_; }

 private:
  const std::unique_ptr<RegistryConnector> inner_;
};

}  // namespace inereg::registry
