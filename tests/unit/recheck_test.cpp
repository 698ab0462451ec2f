// The re-checks' pure rules: checks::LookupPace (their rate limit) on driven times, and
// what counts as a change of verdict.
#include <gtest/gtest.h>

#include <algorithm>

#include "checks/lookup_pace.hpp"
#include "sessions/workflow.hpp"

namespace inereg::checks {
namespace {

constexpr std::int64_t kMs = 1'000;  // the pace's times are microseconds
constexpr std::int64_t kT0 = 1'700'000'000'000 * kMs;

// The dispatcher's use of the rule: take what is allowed (up to `wanted`), keep the state.
int take(const LookupPace& pace, std::int64_t& state, std::int64_t now, int wanted) {
  const int taken = std::min(wanted, pace.available(state, now));
  state = pace.after_taking(state, now, taken);
  return taken;
}

TEST(LookupPace, AllowsOneStartPerIntervalWithBurstsOfOne) {
  const LookupPace pace(20, 1);  // 50 ms apart
  std::int64_t state = 0;        // never used: a full bucket
  EXPECT_EQ(take(pace, state, kT0, 10), 1);
  EXPECT_EQ(take(pace, state, kT0, 10), 0);
  EXPECT_EQ(pace.next_allowed_us(state), kT0 + 50 * kMs);
  EXPECT_EQ(take(pace, state, kT0 + 49 * kMs, 10), 0);
  EXPECT_EQ(take(pace, state, kT0 + 50 * kMs, 10), 1);
  // Idle for a long time: still only the burst at once, then the pace again.
  EXPECT_EQ(take(pace, state, kT0 + 10'000 * kMs, 10), 1);
  EXPECT_EQ(take(pace, state, kT0 + 10'010 * kMs, 10), 0);
}

TEST(LookupPace, NeverMoreThanRateTimesTimePlusBurst) {
  constexpr int kPerSecond = 1'000;
  constexpr int kBurst = 50;
  const LookupPace pace(kPerSecond, kBurst);
  std::int64_t state = 0;
  int started = 0;
  // A dispatcher waking at irregular times over two seconds, always wanting more.
  for (int ms = 0; ms <= 2'000; ms += 7) {
    started += take(pace, state, kT0 + ms * kMs, 1'000);
    EXPECT_LE(started, kPerSecond * ms / 1'000 + kBurst) << "at " << ms << " ms";
  }
  EXPECT_GE(started, kPerSecond * 2 - 7);  // and the rate is reached, not undershot
}

TEST(LookupPace, AnIntervalThatIsNotWholeMicrosecondsNeverRunsFast) {
  const LookupPace pace(3, 1);  // 333,333.3 µs apart: rounded up
  std::int64_t state = 0;
  int started = 0;
  for (std::int64_t us = 0; us <= 10 * 1'000'000; us += 1'000) {
    started += take(pace, state, kT0 + us, 10);
  }
  EXPECT_EQ(started, 30);  // 1 at once, then 3 a second for 10 s less the rounding
}

TEST(LookupPace, ABucketAheadOfTheClockAllowsNothing) {
  const LookupPace pace(10, 5);
  const std::int64_t ahead = kT0 + 1'000 * kMs;  // set by a node whose clock runs a second ahead
  EXPECT_EQ(pace.available(ahead, kT0), 0);
  EXPECT_EQ(pace.available(ahead, ahead + 100 * kMs), 1);
}

TEST(RecheckVerdict, AChangeIsWhatTheClientSeesChange) {
  const store::IneResult vigente{true, "La credencial esta vigente", 1, 10};
  EXPECT_FALSE(sessions::verdict_changed(vigente, store::IneResult{true, "La credencial esta vigente", 27, 20}));
  EXPECT_TRUE(sessions::verdict_changed(vigente, store::IneResult{false, "La credencial esta vigente", 1, 20}));
  EXPECT_TRUE(sessions::verdict_changed(vigente, store::IneResult{true, "otro texto", 1, 20}));
}

}  // namespace
}  // namespace inereg::checks
