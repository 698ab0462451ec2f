// The re-checks' pure rules: checks::LookupPace (their rate limit) on a driven steady
// clock, and what counts as a change of verdict.
#include <gtest/gtest.h>

#include "checks/lookup_pace.hpp"
#include "sessions/workflow.hpp"

namespace inereg::checks {
namespace {

using std::chrono::milliseconds;
using Clock = LookupPace::Clock;

const Clock::time_point kT0 = Clock::time_point(std::chrono::hours(1));

TEST(LookupPace, AllowsOneStartPerIntervalWithBurstsOfOne) {
  LookupPace pace(20, 1);  // 50 ms apart
  EXPECT_EQ(pace.take(kT0, 10), 1);
  EXPECT_EQ(pace.take(kT0, 10), 0);
  EXPECT_EQ(pace.next_allowed(), kT0 + milliseconds(50));
  EXPECT_EQ(pace.take(kT0 + milliseconds(49), 10), 0);
  EXPECT_EQ(pace.take(kT0 + milliseconds(50), 10), 1);
  // Idle for a long time: still only the burst at once, then the pace again.
  EXPECT_EQ(pace.take(kT0 + milliseconds(10'000), 10), 1);
  EXPECT_EQ(pace.take(kT0 + milliseconds(10'010), 10), 0);
}

TEST(LookupPace, NeverMoreThanRateTimesTimePlusBurst) {
  constexpr int kPerSecond = 1'000;
  constexpr int kBurst = 50;
  LookupPace pace(kPerSecond, kBurst);
  int started = 0;
  // A dispatcher waking at irregular times over two seconds, always wanting more.
  for (int ms = 0; ms <= 2'000; ms += 7) {
    started += pace.take(kT0 + milliseconds(ms), 1'000);
    EXPECT_LE(started, kPerSecond * ms / 1'000 + kBurst) << "at " << ms << " ms";
  }
  EXPECT_GE(started, kPerSecond * 2 - 7);  // and the rate is reached, not undershot
}

TEST(LookupPace, StartsGivenBackCanBeTakenAgain) {
  LookupPace pace(10, 3);
  EXPECT_EQ(pace.take(kT0, 3), 3);
  pace.give_back(2);  // only one job was due
  EXPECT_EQ(pace.take(kT0, 5), 2);
  EXPECT_EQ(pace.take(kT0, 5), 0);
}

TEST(RecheckVerdict, AChangeIsWhatTheClientSeesChange) {
  const store::IneResult vigente{true, "La credencial esta vigente", 1, 10};
  EXPECT_FALSE(sessions::verdict_changed(vigente, store::IneResult{true, "La credencial esta vigente", 27, 20}));
  EXPECT_TRUE(sessions::verdict_changed(vigente, store::IneResult{false, "La credencial esta vigente", 1, 20}));
  EXPECT_TRUE(sessions::verdict_changed(vigente, store::IneResult{true, "otro texto", 1, 20}));
}

}  // namespace
}  // namespace inereg::checks
