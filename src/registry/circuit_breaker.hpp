#pragma once

#include <cstdint>
#include <deque>
#include <mutex>

namespace inereg::registry {

struct CircuitBreakerOptions {
  int consecutive_failures = 5;   // opens after this many failures in a row; 0 = off
  int failure_rate_percent = 0;   // opens when this share of the last `window` attempts failed; 0 = off
  int window = 20;                // attempts the failure rate is taken over (it needs a full window)
  std::int64_t open_ms = 10'000;  // how long it stays open before letting probes through
  int half_open_probes = 1;       // probes at once while half-open; this many successes close it
};

// A circuit breaker over upstream attempts: closed (calls go through) → open (calls are
// refused at once, for open_ms) → half-open (up to half_open_probes calls probe the
// upstream; one failure re-opens it, half_open_probes successes close it). Time is
// passed in (milliseconds on any monotonic clock), so the state machine is testable
// without waiting. Thread-safe.
class CircuitBreaker {
 public:
  enum class State { kClosed = 0, kHalfOpen = 1, kOpen = 2 };

  explicit CircuitBreaker(CircuitBreakerOptions options) : options_(options) {}

  struct Admission {
    bool allowed = false;
    bool probe = false;               // a half-open probe: its outcome must be recorded
    std::int64_t retry_after_ms = 0;  // when refused: until the breaker half-opens
  };
  // Asks to start one attempt. Every allowed attempt must be followed by record().
  Admission admit(std::int64_t now_ms);

  enum class Outcome { kSuccess, kFailure, kNeutral };  // neutral: e.g. 429, says nothing of health
  void record(Outcome outcome, bool probe, std::int64_t now_ms);

  State state(std::int64_t now_ms) const;
  // While open: the milliseconds until it half-opens; otherwise 0.
  std::int64_t refusing_for_ms(std::int64_t now_ms) const;

 private:
  void open(std::int64_t now_ms);

  const CircuitBreakerOptions options_;
  mutable std::mutex mutex_;
  State state_ = State::kClosed;
  std::int64_t opened_at_ms_ = 0;
  int consecutive_failures_ = 0;
  std::deque<bool> recent_;  // true = failure, newest at the back (closed state only)
  int recent_failures_ = 0;
  int probes_in_flight_ = 0;
  int probe_successes_ = 0;
};

}  // namespace inereg::registry
