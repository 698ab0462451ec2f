#include "registry/circuit_breaker.hpp"

#include <algorithm>

namespace inereg::registry {

CircuitBreaker::Admission CircuitBreaker::admit(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (state_ == State::kOpen) {
    const std::int64_t reopens_at = opened_at_ms_ + options_.open_ms;
    if (now_ms < reopens_at) {
      return Admission{false, false, reopens_at - now_ms};
    }
    state_ = State::kHalfOpen;
    probes_in_flight_ = 0;
    probe_successes_ = 0;
  }
  if (state_ == State::kHalfOpen) {
    if (probes_in_flight_ + probe_successes_ >= options_.half_open_probes) {
      // The probes are out; callers wait for their verdict rather than pile onto a
      // recovering upstream. A short hint: the probes finish within one attempt.
      return Admission{false, false, 100};
    }
    ++probes_in_flight_;
    return Admission{true, true, 0};
  }
  return Admission{true, false, 0};
}

void CircuitBreaker::record(Outcome outcome, bool probe, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (probe) {
    if (state_ != State::kHalfOpen) {
      return;  // another probe already decided
    }
    --probes_in_flight_;
    if (outcome == Outcome::kFailure) {
      open(now_ms);
    } else if (outcome == Outcome::kSuccess && ++probe_successes_ >= options_.half_open_probes) {
      state_ = State::kClosed;
      consecutive_failures_ = 0;
      recent_.clear();
      recent_failures_ = 0;
    }
    return;
  }
  if (state_ != State::kClosed || outcome == Outcome::kNeutral) {
    return;  // a call admitted before the breaker opened: its outcome is stale
  }
  const bool failed = outcome == Outcome::kFailure;
  consecutive_failures_ = failed ? consecutive_failures_ + 1 : 0;
  if (options_.failure_rate_percent > 0 && options_.window > 0) {
    recent_.push_back(failed);
    recent_failures_ += failed ? 1 : 0;
    if (static_cast<int>(recent_.size()) > options_.window) {
      recent_failures_ -= recent_.front() ? 1 : 0;
      recent_.pop_front();
    }
  }
  const bool too_many_in_a_row =
      options_.consecutive_failures > 0 && consecutive_failures_ >= options_.consecutive_failures;
  const bool rate_too_high = options_.failure_rate_percent > 0 && static_cast<int>(recent_.size()) == options_.window &&
                             recent_failures_ * 100 >= options_.failure_rate_percent * options_.window;
  if (too_many_in_a_row || rate_too_high) {
    open(now_ms);
  }
}

CircuitBreaker::State CircuitBreaker::state(std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  if (state_ == State::kOpen && now_ms >= opened_at_ms_ + options_.open_ms) {
    return State::kHalfOpen;  // the next admit() lets a probe through
  }
  return state_;
}

std::int64_t CircuitBreaker::refusing_for_ms(std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  if (state_ != State::kOpen) {
    return 0;
  }
  return std::max<std::int64_t>(0, opened_at_ms_ + options_.open_ms - now_ms);
}

void CircuitBreaker::open(std::int64_t now_ms) {
  state_ = State::kOpen;
  opened_at_ms_ = now_ms;
  probes_in_flight_ = 0;
  probe_successes_ = 0;
  consecutive_failures_ = 0;
  recent_.clear();
  recent_failures_ = 0;
}

}  // namespace inereg::registry
