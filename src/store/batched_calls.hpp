#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

namespace inereg::store {

// Counts since construction, for tests and the metrics page.
struct BatchedCallsStats {
  std::int64_t calls = 0;           // calls served by a batch that succeeded
  std::int64_t batches = 0;         // batches that succeeded
  std::int64_t failed_batches = 0;  // batches that failed (their calls then ran alone)
};

// Concurrent calls that one transaction of batch statements serves together:
// PostgreSQL's creates, each a network round trip and a commit of its own, become one
// multi-row INSERT in one transaction for every create that arrived while the previous
// batch ran; its submits (a transaction of seven round trips each), starts, uploads and
// deletes share one such transaction per kind (sessions::SessionWorkflow's batch rules).
// So the commit rate, not the request rate, pays for durability (issue 14, item 2;
// SQLite gets the same from its group commit, store/sqlite/group_commit.hpp).
//
// A caller queues its item and waits. The first caller to find no batch running leads:
// it takes every queued item (up to max_batch) and runs them as one batch, then gives the
// lead to the next queued caller. When a batch fails, each of its items is run alone, so
// one bad item (a duplicate id) fails only its own caller. Thread-safe; call() blocks.
template <typename Item>
class BatchedCalls {
 public:
  // Runs the items as one unit (one transaction): all of them are done when it returns,
  // none when it throws. It may write each item's outcome into it (a non-const Item): a
  // failed batch's items are run again, alone, so it sets every outcome afresh.
  using Run = std::function<void(std::span<Item* const>)>;

  BatchedCalls(std::size_t max_batch, Run run) : max_batch_(max_batch < 1 ? 1 : max_batch), run_(std::move(run)) {}

  // Returns once `item` is done by some batch, or throws what running it alone threw.
  void call(Item& item) {
    Call call{.item = &item, .done = false, .error = nullptr};
    std::unique_lock lock(mutex_);
    queue_.push_back(&call);
    while (!call.done) {
      if (!running_) {
        running_ = true;
        std::vector<Call*> batch;
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
        lock.unlock();
        const bool batched = run_batch(batch);
        lock.lock();
        if (batched) {
          stats_.calls += static_cast<std::int64_t>(batch.size());
          ++stats_.batches;
        } else {
          ++stats_.failed_batches;
        }
        for (Call* done : batch) {
          done->done = true;
        }
        running_ = false;
        finished_.notify_all();  // the batch's callers, and the next to lead
        continue;
      }
      finished_.wait(lock);
    }
    if (call.error) {
      std::rethrow_exception(call.error);
    }
  }

  BatchedCallsStats stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }

  // Calls queued for the next batch now (tests).
  std::size_t queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }

 private:
  struct Call {
    Item* item;
    bool done = false;  // guarded by mutex_
    std::exception_ptr error;
  };

  // Without the lock. True when the batch succeeded as one; else each item ran alone,
  // and those that failed carry their error.
  bool run_batch(const std::vector<Call*>& batch) {
    std::vector<Item*> items;
    items.reserve(batch.size());
    for (const Call* call : batch) {
      items.push_back(call->item);
    }
    try {
      run_(items);
      return true;
    } catch (...) {
      if (batch.size() == 1) {
        batch.front()->error = std::current_exception();
        return false;
      }
    }
    for (Call* call : batch) {
      try {
        Item* alone[] = {call->item};
        run_(alone);
      } catch (...) {
        call->error = std::current_exception();
      }
    }
    return false;
  }

  const std::size_t max_batch_;
  const Run run_;
  mutable std::mutex mutex_;
  std::condition_variable finished_;
  std::deque<Call*> queue_;
  bool running_ = false;
  BatchedCallsStats stats_;
};

}  // namespace inereg::store
