// Group commit's turn-taking (store/sqlite/group_commit.hpp) over a fake connection that
// logs its SQL: who commits, when, and what a failed member or a failed COMMIT does to
// the others. The same logic on a real SQLite file: the persistence contract
// (ConcurrentWritesThatFailUndoOnlyThemselves) and the functional crash tests.
#include "store/sqlite/group_commit.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "util/suspension.hpp"

namespace inereg::store::sqlite {
namespace {

class FakeConnection {
 public:
  void exec_cached(std::string_view sql) {
    std::lock_guard lock(mutex_);
    log_.emplace_back(sql);
    if (sql == fail_) {
      fail_.clear();
      if (drops_transaction_) {
        in_transaction_ = false;
      }
      throw StoreError("fake: " + std::string(sql) + " failed");
    }
    if (sql == "BEGIN IMMEDIATE") {
      in_transaction_ = true;
    } else if (sql == "COMMIT" || sql == "ROLLBACK") {
      in_transaction_ = false;
    }
  }
  bool in_transaction() const {
    std::lock_guard lock(mutex_);
    return in_transaction_;
  }
  // The next exec of `sql` throws; with `drops_transaction`, as SQLite does after an
  // I/O error, the transaction is gone too.
  void fail_next(std::string sql, bool drops_transaction = false) {
    std::lock_guard lock(mutex_);
    fail_ = std::move(sql);
    drops_transaction_ = drops_transaction;
  }
  std::vector<std::string> log() const {
    std::lock_guard lock(mutex_);
    return log_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> log_;
  std::string fail_;
  bool drops_transaction_ = false;
  bool in_transaction_ = false;
};

using Group = GroupCommit<FakeConnection>;

// Waits (without sleeping a fixed time) until `count` threads queue for the writer.
void wait_until_queued(const Group& group, int count) {
  while (group.queued() < count) {
    std::this_thread::yield();
  }
}

TEST(GroupCommit, AWriteAloneCommitsAtOnce) {
  FakeConnection c;
  Group group(c, 8);
  {
    Group::Member member(group);
    member.commit();
  }
  EXPECT_EQ(c.log(), (std::vector<std::string>{"BEGIN IMMEDIATE", "SAVEPOINT member", "RELEASE member", "COMMIT"}));
  EXPECT_EQ(group.stats().commits, 1);
  EXPECT_EQ(group.stats().members, 1);
}

TEST(GroupCommit, WritesQueuedBehindOneShareItsCommitAndAFailedOneUndoesOnlyItself) {
  FakeConnection c;
  Group group(c, 8);
  auto first = std::make_unique<Group::Member>(group);  // holds the writer
  bool second_committed = false;
  std::thread second([&] {
    Group::Member member(group);
    member.commit();
    second_committed = true;
  });
  wait_until_queued(group, 1);
  std::thread failing([&] {
    Group::Member member(group);  // never committed: an error in the request
  });
  wait_until_queued(group, 2);
  std::thread first_commit([&] { first->commit(); });
  second.join();
  failing.join();
  first_commit.join();
  EXPECT_TRUE(second_committed);
  // The two queued writes take the writer in either order; one COMMIT at the end covers
  // the first and the second, and the failed one was rolled back to its savepoint.
  auto log = c.log();
  ASSERT_EQ(log.size(), 9U);
  EXPECT_EQ(std::vector<std::string>(log.begin(), log.begin() + 3),
            (std::vector<std::string>{"BEGIN IMMEDIATE", "SAVEPOINT member", "RELEASE member"}));
  EXPECT_EQ(log.back(), "COMMIT");
  EXPECT_EQ(std::count(log.begin(), log.end(), "ROLLBACK TO member"), 1);
  EXPECT_EQ(std::count(log.begin(), log.end(), "RELEASE member"), 3);
  EXPECT_EQ(std::count(log.begin(), log.end(), "COMMIT"), 1);
  EXPECT_EQ(group.stats().commits, 1);
  EXPECT_EQ(group.stats().members, 2);
}

TEST(GroupCommit, AFailedCommitFailsEveryMemberOfTheGroup) {
  FakeConnection c;
  Group group(c, 8);
  auto first = std::make_unique<Group::Member>(group);
  bool second_failed = false;
  std::thread second([&] {
    Group::Member member(group);
    c.fail_next("COMMIT");
    try {
      member.commit();
    } catch (const StoreError&) {
      second_failed = true;
    }
  });
  wait_until_queued(group, 1);
  EXPECT_THROW(first->commit(), StoreError);
  second.join();
  EXPECT_TRUE(second_failed);
  EXPECT_FALSE(c.in_transaction());
  EXPECT_EQ(group.stats().commits, 0);
  EXPECT_EQ(group.stats().failed_commits, 1);
  // The writer is free again: the next write opens a new group.
  Group::Member next(group);
  next.commit();
  EXPECT_EQ(group.stats().commits, 1);
}

TEST(GroupCommit, AnErrorThatEndsTheTransactionFailsTheMembersAlreadyInIt) {
  FakeConnection c;
  Group group(c, 8);
  auto first = std::make_unique<Group::Member>(group);
  std::thread breaking([&] {
    Group::Member member(group);
    c.fail_next("RELEASE member", true);  // SQLite rolled the whole transaction back
    EXPECT_THROW(member.commit(), StoreError);
  });
  wait_until_queued(group, 1);
  EXPECT_THROW(first->commit(), StoreError);
  breaking.join();
  EXPECT_EQ(group.stats().failed_commits, 1);
  EXPECT_EQ(group.stats().commits, 0);
}

TEST(GroupCommit, AFullGroupCommitsWhileOthersStillWait) {
  FakeConnection c;
  Group group(c, 2);
  auto first = std::make_unique<Group::Member>(group);
  std::vector<std::thread> others;
  for (int i = 0; i < 2; ++i) {
    others.emplace_back([&] {
      Group::Member member(group);
      member.commit();
    });
    wait_until_queued(group, i + 1);
  }
  first->commit();  // the first of a full group (with the next one): returns once committed
  for (auto& other : others) {
    other.join();
  }
  EXPECT_EQ(group.stats().commits, 2);
  EXPECT_EQ(group.stats().members, 3);
}

// run(): bodies queued while the writer is held run back to back on one thread (the
// first queued caller's), each in its own savepoint, and one COMMIT covers them with the
// turn that held the writer.
TEST(GroupCommit, QueuedBodiesRunOnOneThreadUnderOneCommit) {
  FakeConnection c;
  Group group(c, 8);
  auto first = std::make_unique<Group::Member>(group);
  std::mutex mutex;
  std::vector<std::thread::id> ran_on;
  std::vector<std::thread> callers;
  for (int i = 0; i < 3; ++i) {
    callers.emplace_back([&] {
      group.run([&](FakeConnection&) {
        std::lock_guard lock(mutex);
        ran_on.push_back(std::this_thread::get_id());
        return true;
      });
    });
    wait_until_queued(group, i + 1);
  }
  first->commit();
  for (auto& caller : callers) {
    caller.join();
  }
  ASSERT_EQ(ran_on.size(), 3U);
  EXPECT_EQ(std::count(ran_on.begin(), ran_on.end(), ran_on.front()), 3);
  const auto log = c.log();
  EXPECT_EQ(std::count(log.begin(), log.end(), "RELEASE member"), 4);
  EXPECT_EQ(std::count(log.begin(), log.end(), "COMMIT"), 1);
  EXPECT_EQ(log.back(), "COMMIT");
  EXPECT_EQ(group.stats().members, 4);
  EXPECT_EQ(group.stats().commits, 1);
}

// A body that throws or keeps nothing is rolled back to its savepoint; its caller gets
// the exception (or returns); the bodies beside it are kept. A failed COMMIT fails every
// kept body of the group.
TEST(GroupCommit, ABodyThatThrowsOrKeepsNothingLeavesTheOthersAndAFailedCommitFailsThem) {
  FakeConnection c;
  Group group(c, 8);
  auto first = std::make_unique<Group::Member>(group);
  bool threw = false;
  bool kept_failed = false;
  std::vector<std::thread> callers;
  callers.emplace_back([&] {
    try {
      group.run([](FakeConnection&) -> bool { throw std::runtime_error("the body's own error"); });
    } catch (const std::runtime_error& e) {
      threw = std::string_view(e.what()) == "the body's own error";
    }
  });
  wait_until_queued(group, 1);
  callers.emplace_back([&] { group.run([](FakeConnection&) { return false; }); });
  wait_until_queued(group, 2);
  callers.emplace_back([&] {
    try {
      group.run([](FakeConnection&) { return true; });
    } catch (const StoreError&) {
      kept_failed = true;
    }
  });
  wait_until_queued(group, 3);
  c.fail_next("COMMIT");
  std::thread first_commit([&] { EXPECT_THROW(first->commit(), StoreError); });
  for (auto& caller : callers) {
    caller.join();
  }
  first_commit.join();
  EXPECT_TRUE(threw);
  EXPECT_TRUE(kept_failed);
  const auto log = c.log();
  EXPECT_EQ(std::count(log.begin(), log.end(), "ROLLBACK TO member"), 2);
  EXPECT_EQ(std::count(log.begin(), log.end(), "COMMIT"), 1);
  EXPECT_EQ(group.stats().failed_commits, 1);
  // The writer is free again, for bodies too.
  group.run([](FakeConnection&) { return true; });
  EXPECT_EQ(group.stats().commits, 1);
  EXPECT_EQ(group.stats().members, 1);
}

// Stands in for an I/O thread's coroutine (util::Suspension): await() parks the caller
// until resume(), and records which thread resumed it and what the writer had run by then.
class ParkedSuspension final : public util::Suspension {
 public:
  explicit ParkedSuspension(const FakeConnection& writer) : writer_(writer) {}

  void await(const std::function<void(Resume)>& start) override {
    std::promise<void> resumed;
    start([this, &resumed] {
      resumed_on = std::this_thread::get_id();
      log_at_resume = writer_.log();
      resumed.set_value();
    });
    resumed.get_future().wait();
  }

  std::thread::id resumed_on;
  std::vector<std::string> log_at_resume;

 private:
  const FakeConnection& writer_;
};

// run() from a suspended caller: its body runs on the group's own thread (an I/O thread
// must never pay the fsync), and it resumes only once the COMMIT covering it is done.
TEST(GroupCommit, ASuspendedCallersBodyRunsOnTheGroupsThreadAndResumesItAfterTheCommit) {
  FakeConnection c;
  Group group(c, 8);
  ParkedSuspension suspension(c);
  std::thread::id body_ran_on;
  std::thread caller([&] {
    const util::ScopedSuspension current(&suspension);
    group.run([&](FakeConnection&) {
      body_ran_on = std::this_thread::get_id();
      return true;
    });
    EXPECT_NE(body_ran_on, std::this_thread::get_id());
  });
  const auto caller_id = caller.get_id();
  caller.join();
  EXPECT_NE(body_ran_on, caller_id);
  EXPECT_EQ(suspension.resumed_on, body_ran_on);
  EXPECT_EQ(suspension.log_at_resume,
            (std::vector<std::string>{"BEGIN IMMEDIATE", "SAVEPOINT member", "RELEASE member", "COMMIT"}));
  EXPECT_EQ(group.stats().commits, 1);
}

// Suspended and sleeping callers queued behind a held writer share one group: whoever
// takes the writer runs every queued body, and one COMMIT covers them all. A suspended
// caller's body that throws gets its error back, and a failed COMMIT fails its kept ones.
TEST(GroupCommit, SuspendedAndSleepingCallersShareGroupsAndTheirOutcomes) {
  FakeConnection c;
  Group group(c, 8);
  auto first = std::make_unique<Group::Member>(group);
  std::vector<std::unique_ptr<ParkedSuspension>> suspensions;
  for (int i = 0; i < 3; ++i) {
    suspensions.push_back(std::make_unique<ParkedSuspension>(c));
  }
  bool threw = false;
  std::vector<std::thread> callers;
  callers.emplace_back([&] {
    const util::ScopedSuspension current(suspensions[0].get());
    group.run([](FakeConnection&) { return true; });
  });
  wait_until_queued(group, 1);
  callers.emplace_back([&] { group.run([](FakeConnection&) { return true; }); });  // sleeps
  wait_until_queued(group, 2);
  callers.emplace_back([&] {
    const util::ScopedSuspension current(suspensions[1].get());
    try {
      group.run([](FakeConnection&) -> bool { throw std::runtime_error("the body's own error"); });
    } catch (const std::runtime_error&) {
      threw = true;
    }
  });
  wait_until_queued(group, 3);
  first->commit();
  for (auto& caller : callers) {
    caller.join();
  }
  EXPECT_TRUE(threw);
  auto log = c.log();
  EXPECT_EQ(std::count(log.begin(), log.end(), "COMMIT"), 1);
  EXPECT_EQ(log.back(), "COMMIT");
  EXPECT_EQ(suspensions[0]->log_at_resume, log);  // resumed after the one COMMIT
  EXPECT_EQ(group.stats().members, 3);
  EXPECT_EQ(group.stats().commits, 1);

  // A failed COMMIT: the suspended member resumes with the StoreError.
  auto holder = std::make_unique<Group::Member>(group);
  bool failed = false;
  std::thread suspended([&] {
    const util::ScopedSuspension current(suspensions[2].get());
    try {
      group.run([](FakeConnection&) { return true; });
    } catch (const StoreError&) {
      failed = true;
    }
  });
  wait_until_queued(group, 1);
  c.fail_next("COMMIT");
  EXPECT_THROW(holder->commit(), StoreError);
  suspended.join();
  EXPECT_TRUE(failed);
  EXPECT_EQ(group.stats().failed_commits, 1);
}

TEST(GroupCommit, AGroupOfOnlyFailedWritesIsRolledBack) {
  FakeConnection c;
  Group group(c, 8);
  { Group::Member member(group); }
  EXPECT_EQ(c.log(), (std::vector<std::string>{"BEGIN IMMEDIATE", "SAVEPOINT member", "ROLLBACK TO member",
                                               "RELEASE member", "ROLLBACK"}));
  EXPECT_FALSE(c.in_transaction());
  EXPECT_EQ(group.stats().commits, 0);
}

}  // namespace
}  // namespace inereg::store::sqlite
