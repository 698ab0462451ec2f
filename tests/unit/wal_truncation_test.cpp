// WalTruncation (store/sqlite/wal_truncation.hpp): a DELETE's caller goes on only after a
// WAL truncation that began after its call, and a burst of them shares truncations.
#include "store/sqlite/wal_truncation.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace inereg::store::sqlite {
namespace {

using namespace std::chrono_literals;

// A truncation that can be held at its start, and a record of when each one began and
// ended in one sequence of events shared with the callers.
class Truncations {
 public:
  std::function<void()> function() {
    return [this] {
      std::unique_lock lock(mutex_);
      const int started = events_++;
      ++started_;
      changed_.notify_all();
      changed_.wait(lock, [&] { return !held_; });
      ended_.push_back(started);
    };
  }
  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    changed_.notify_all();
  }
  void wait_started(int count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return started_ >= count; });
  }
  // The event number of a call, in the same sequence as the truncations' starts.
  int call_event() {
    std::lock_guard lock(mutex_);
    return events_++;
  }
  // Whether a truncation that began after `event` has ended.
  bool ended_after(int event) {
    std::lock_guard lock(mutex_);
    for (const int started : ended_) {
      if (started > event) {
        return true;
      }
    }
    return false;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false;
  int events_ = 0;
  int started_ = 0;
  std::vector<int> ended_;  // the start event of each ended truncation
};

TEST(WalTruncation, ACallMadeDuringATruncationWaitsForTheNextOne) {
  Truncations truncations;
  truncations.hold();
  WalTruncation truncation(truncations.function());
  std::thread first([&] { truncation.after_commit(); });
  truncations.wait_started(1);
  // This call comes while the first truncation runs: that one may have begun before the
  // DELETE's commit, so it does not count for it.
  std::promise<bool> second_result;
  std::thread second([&] {
    const int called = truncations.call_event();
    truncation.after_commit();
    second_result.set_value(truncations.ended_after(called));
  });
  std::this_thread::sleep_for(50ms);  // the second call waits meanwhile
  truncations.release();
  first.join();
  second.join();
  EXPECT_TRUE(second_result.get_future().get());
  EXPECT_EQ(truncation.runs(), 2U);
}

TEST(WalTruncation, ABurstOfCallsSharesOneTruncation) {
  Truncations truncations;
  truncations.hold();
  WalTruncation truncation(truncations.function());
  std::thread first([&] { truncation.after_commit(); });
  truncations.wait_started(1);
  std::vector<std::thread> burst;
  std::atomic<int> returned{0};
  for (int i = 0; i < 10; ++i) {
    burst.emplace_back([&] {
      truncation.after_commit();
      ++returned;
    });
  }
  std::this_thread::sleep_for(50ms);  // all ten wait behind the held truncation
  EXPECT_EQ(returned.load(), 0);
  truncations.release();
  first.join();
  for (auto& caller : burst) {
    caller.join();
  }
  EXPECT_EQ(returned.load(), 10);
  EXPECT_EQ(truncation.runs(), 2U);  // the first call's, and one for the ten
}

// Stands in for an I/O thread's coroutine: await() parks the caller until resume() and
// records the thread that resumed it.
class TruncationWaiter final : public util::Suspension {
 public:
  void await(const std::function<void(Resume)>& start) override {
    std::promise<void> resumed;
    start([this, &resumed] {
      resumed_on = std::this_thread::get_id();
      resumed.set_value();
    });
    resumed.get_future().wait();
  }
  std::thread::id resumed_on;
};

TEST(WalTruncation, ACoroutineSuspendsAndTheTruncationsThreadResumesIt) {
  Truncations truncations;
  WalTruncation truncation(truncations.function());
  TruncationWaiter suspension;
  std::thread::id caller_id;
  std::thread caller([&] {
    caller_id = std::this_thread::get_id();
    const util::ScopedSuspension current(&suspension);
    const int called = truncations.call_event();
    truncation.after_commit();
    EXPECT_TRUE(truncations.ended_after(called));
  });
  caller.join();
  EXPECT_NE(suspension.resumed_on, std::thread::id());
  EXPECT_NE(suspension.resumed_on, caller_id);
  EXPECT_EQ(truncation.runs(), 1U);
}

}  // namespace
}  // namespace inereg::store::sqlite
