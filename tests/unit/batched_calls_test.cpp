// store::BatchedCalls (PostgreSQL's batched creates): who runs which calls together, and
// what a failed batch does to its calls. On a real database: the persistence contract's
// ConcurrentCreatesAreEachStoredWithTheirKeyAndOnlyADuplicateFails.
#include "store/batched_calls.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace inereg::store {
namespace {

// Records each batch it runs; the first waits until released, so calls queue behind it.
// A batch holding a negative item fails as a whole.
class Recorder {
 public:
  void run(std::span<const int* const> batch) {
    std::vector<int> items;
    for (const int* item : batch) {
      items.push_back(*item);
    }
    bool first = false;
    {
      std::lock_guard lock(mutex_);
      batches_.push_back(items);
      first = batches_.size() == 1;
    }
    if (first) {
      release_.get_future().wait();
    }
    for (const int item : items) {
      if (item < 0) {
        throw std::runtime_error("bad item " + std::to_string(item));
      }
    }
  }
  void release() { release_.set_value(); }
  std::vector<std::vector<int>> batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::vector<int>> batches_;
  std::promise<void> release_;
};

// Holds a first batch (call(0)) while `count` more callers queue behind it, each running
// call_one(i), then releases it and waits for every caller.
void queue_behind_a_held_batch(BatchedCalls<const int>& calls, Recorder& recorder, std::size_t count,
                               const std::function<void(std::size_t)>& call_one) {
  std::vector<std::thread> callers;
  callers.emplace_back([&] { calls.call(0); });
  while (recorder.batches().empty()) {
    std::this_thread::yield();
  }
  for (std::size_t i = 0; i < count; ++i) {
    callers.emplace_back([&call_one, i] { call_one(i); });
    while (calls.queued() < i + 1) {
      std::this_thread::yield();
    }
  }
  recorder.release();
  for (auto& caller : callers) {
    caller.join();
  }
}

TEST(BatchedCalls, CallsQueuedWhileABatchRunsRunTogetherInTheNext) {
  Recorder recorder;
  BatchedCalls<const int> calls(8, [&](std::span<const int* const> batch) { recorder.run(batch); });
  const std::vector<int> items{1, 2, 3, 4};
  queue_behind_a_held_batch(calls, recorder, items.size(), [&](std::size_t i) { calls.call(items[i]); });
  EXPECT_EQ(recorder.batches(), (std::vector<std::vector<int>>{{0}, {1, 2, 3, 4}}));
  EXPECT_EQ(calls.stats().batches, 2);
  EXPECT_EQ(calls.stats().calls, 5);
}

TEST(BatchedCalls, ABatchIsAtMostMaxBatchCalls) {
  Recorder recorder;
  BatchedCalls<const int> calls(2, [&](std::span<const int* const> batch) { recorder.run(batch); });
  const std::vector<int> items{1, 2, 3};
  queue_behind_a_held_batch(calls, recorder, items.size(), [&](std::size_t i) { calls.call(items[i]); });
  EXPECT_EQ(recorder.batches(), (std::vector<std::vector<int>>{{0}, {1, 2}, {3}}));
}

// A failed batch runs each call alone: only the bad one's caller gets the error.
TEST(BatchedCalls, AFailedBatchRunsEachCallAloneSoOnlyTheBadOneFails) {
  Recorder recorder;
  BatchedCalls<const int> calls(8, [&](std::span<const int* const> batch) { recorder.run(batch); });
  const std::vector<int> items{1, -2, 3};
  std::vector<int> failed(items.size(), 0);
  queue_behind_a_held_batch(calls, recorder, items.size(), [&](std::size_t i) {
    try {
      calls.call(items[i]);
    } catch (const std::runtime_error& e) {
      failed[i] = std::string_view(e.what()) == "bad item -2" ? 1 : 2;
    }
  });
  EXPECT_EQ(failed, (std::vector<int>{0, 1, 0}));
  EXPECT_EQ(recorder.batches(), (std::vector<std::vector<int>>{{0}, {1, -2, 3}, {1}, {-2}, {3}}));
  EXPECT_EQ(calls.stats().batches, 1);
  EXPECT_EQ(calls.stats().failed_batches, 1);
}

}  // namespace
}  // namespace inereg::store
