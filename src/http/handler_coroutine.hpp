#pragma once

#include <boost/asio/awaitable.hpp>

#include <condition_variable>
#include <functional>
#include <mutex>

#include "http/exchange.hpp"

// Handlers run as stackful coroutines on the I/O threads (ThreadClass::kIoFiber): a quick
// write whose only wait, for its group commit, suspends the coroutine through
// util::Suspension while the thread serves other connections (docs/ARCHITECTURE.md,
// "Threads").
namespace inereg::http {

// Handler coroutines waiting for another thread's work to resume them. The server's run()
// returns only once every one has been resumed: a drain that timed out stops the I/O
// threads with writes still waiting for their commit, and their resumes must reach the
// contexts before these are destroyed.
class SuspendedCoroutines {
 public:
  void suspended() {
    std::lock_guard lock(mutex_);
    ++count_;
  }
  void resumed() {
    std::lock_guard lock(mutex_);
    if (--count_ == 0) {
      none_.notify_all();
    }
  }
  void wait_for_none() {
    std::unique_lock lock(mutex_);
    none_.wait(lock, [this] { return count_ == 0; });
  }
  int count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable none_;
  int count_ = 0;
};

// Runs handle() as a stackful coroutine on the calling coroutine's executor (an I/O
// thread's context) and returns what it returned, or throws what it threw. While it runs,
// util::current_suspension() is its own: a wait for another thread's work suspends it.
boost::asio::awaitable<Response> handle_in_coroutine(std::function<Response()> handle, SuspendedCoroutines& suspended);

}  // namespace inereg::http
