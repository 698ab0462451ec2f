#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace inereg::registry {

// Calls back after a delay: how a layer waits without holding a thread (the retry
// layer's backoff). An interface so a test can fire the waits at once.
class Timers {
 public:
  // `stopped` is true when the wait was cut short by stop(): the caller gives up.
  using Fire = std::function<void(bool stopped)>;
  virtual ~Timers() = default;
  // Calls `fire` exactly once: after `delay`, or at stop(), or at once when stopped.
  virtual void after(std::chrono::milliseconds delay, Fire fire) = 0;
  // Fires every wait still pending with stopped = true and waits for them. Idempotent.
  virtual void stop() = 0;
};

// Timers on one thread of their own (an asio io_context). Thread-safe; every timer
// object is touched only on that thread.
class ThreadTimers final : public Timers {
 public:
  ThreadTimers();
  ~ThreadTimers() override;
  ThreadTimers(const ThreadTimers&) = delete;
  ThreadTimers& operator=(const ThreadTimers&) = delete;

  void after(std::chrono::milliseconds delay, Fire fire) override;
  void stop() override;

 private:
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::mutex mutex_;
  bool stopped_ = false;                                                                   // under mutex_
  std::unordered_map<std::uint64_t, std::shared_ptr<boost::asio::steady_timer>> waiting_;  // io thread only
  std::uint64_t next_id_ = 0;                                                              // io thread only
  std::thread thread_;  // last: starts once the members it uses exist
};

}  // namespace inereg::registry
