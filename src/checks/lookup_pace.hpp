#pragma once

#include <cstdint>

// The pace at which re-checks may start registry lookups, so a schedule coming due (or
// an operator re-checking a whole integration) never floods the source.
namespace inereg::checks {

// A token bucket whose whole state is one time, `state_us`: starts are allowed from it
// on, one per 1/per_second, at most `burst` at once after an idle spell. So in any span
// of t seconds at most per_second × t + burst starts are taken. Pure: the caller keeps
// the state (RecheckPace keeps it in the database, where every node takes from the same
// bucket). Times are microseconds on one clock; a state far in the past is a full bucket.
class LookupPace {
 public:
  LookupPace(int per_second, int burst);

  // How many starts the bucket in `state_us` allows at `now_us` (0 to burst).
  int available(std::int64_t state_us, std::int64_t now_us) const;
  // The state after `taken` (at most available()) starts at `now_us`.
  std::int64_t after_taking(std::int64_t state_us, std::int64_t now_us, int taken) const;
  // When the bucket in `state_us` allows its next start (at or before now: at once).
  std::int64_t next_allowed_us(std::int64_t state_us) const { return state_us + interval_us_; }

 private:
  // A full bucket's state at `now_us`: earlier states are worth no more than the burst.
  std::int64_t full_at(std::int64_t state_us, std::int64_t now_us) const;

  // Rounded up: the pace never exceeds per_second.
  const std::int64_t interval_us_;
  const int burst_;
};

}  // namespace inereg::checks
