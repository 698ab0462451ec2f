#pragma once

#include <chrono>

// The pace at which re-checks may start registry lookups, so a schedule coming due (or
// an operator re-checking a whole integration) never floods the source.
namespace inereg::checks {

// A token bucket in steady time: one lookup per 1/per_second, at most `burst` at once
// after an idle spell. So in any span of t seconds at most per_second × t + burst
// lookups start. Not thread-safe (the check dispatcher owns it); time is passed in, so
// tests drive it.
class LookupPace {
 public:
  using Clock = std::chrono::steady_clock;
  LookupPace(int per_second, int burst);

  // Takes up to `wanted` starts allowed at `now`; returns how many it took.
  int take(Clock::time_point now, int wanted);
  // Gives back starts taken but not used (fewer jobs were due than taken).
  void give_back(int unused);
  // When the next start is allowed (meaningful after take()).
  Clock::time_point next_allowed() const;

 private:
  const Clock::duration interval_;
  const int burst_;
  // Starts are allowed from here, one per interval_; never earlier than burst_ intervals ago.
  Clock::time_point base_ = Clock::time_point::min();
};

}  // namespace inereg::checks
