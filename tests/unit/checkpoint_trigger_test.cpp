// When the SQLite store asks for a WAL checkpoint (store/sqlite/checkpoint_trigger.hpp):
// once per so many pages appended, whether or not SQLite starts the WAL over meanwhile.
#include "store/sqlite/checkpoint_trigger.hpp"

#include <gtest/gtest.h>

namespace inereg::store::sqlite {
namespace {

constexpr int kEvery = 4'000;
constexpr int kPagesPerCommit = 80;  // a group commit of ~33 creates while ids were random

// Commits of kPagesPerCommit pages each into a WAL that starts at `start` pages and is
// never started over (a reader always uses it): how many checkpoints were asked for.
int checkpoints_without_restart(CheckpointTrigger& trigger, int start, int commits) {
  int asked = 0;
  for (int i = 1; i <= commits; ++i) {
    asked += trigger.committed(start + i * kPagesPerCommit) ? 1 : 0;
  }
  return asked;
}

TEST(CheckpointTrigger, AWalThatIsNeverStartedOverIsCheckpointedOncePerThresholdOfNewPages) {
  CheckpointTrigger trigger(kEvery);
  // 150 commits, 12,000 pages: due at 4,000, 8,000 and 12,000, not at each of the 101
  // commits that end with the WAL past 4,000 pages.
  EXPECT_EQ(checkpoints_without_restart(trigger, 0, 150), 3);
}

TEST(CheckpointTrigger, PagesWrittenAfterTheWalStartedOverCountAsNew) {
  CheckpointTrigger trigger(kEvery);
  EXPECT_EQ(checkpoints_without_restart(trigger, 0, 40), 0);  // 3,200 pages
  // The WAL started over: 80 pages long again, all of them new (3,280 in all).
  EXPECT_FALSE(trigger.committed(kPagesPerCommit));
  // 720 more pages reach 4,000 appended since the start.
  EXPECT_EQ(checkpoints_without_restart(trigger, kPagesPerCommit, 8), 0);
  EXPECT_TRUE(trigger.committed(10 * kPagesPerCommit));
  // And the count starts again from there.
  EXPECT_EQ(checkpoints_without_restart(trigger, 10 * kPagesPerCommit, 49), 0);
  EXPECT_EQ(checkpoints_without_restart(trigger, 59 * kPagesPerCommit, 1), 1);
}

TEST(CheckpointTrigger, OneCommitOfMoreThanTheThresholdIsDueAtOnce) {
  CheckpointTrigger trigger(kEvery);
  EXPECT_TRUE(trigger.committed(kEvery + 1));
  EXPECT_FALSE(trigger.committed(kEvery + 2));
}

}  // namespace
}  // namespace inereg::store::sqlite
