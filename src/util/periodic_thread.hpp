#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

namespace inereg::util {

// A background thread that runs `work` at once and then every `interval` until
// stop(). A failing run is logged under `what` and tried again next interval. stop()
// wakes the thread from its wait, so shutdown never waits out an interval. start()
// once, stop() once (the destructor stops too).
class PeriodicThread {
 public:
  PeriodicThread(std::string what, std::chrono::milliseconds interval, std::function<void()> work)
      : what_(std::move(what)), interval_(interval), work_(std::move(work)) {}
  ~PeriodicThread() { stop(); }
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  void start() {
    running_ = true;
    thread_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      while (running_) {
        lock.unlock();
        try {
          work_();
        } catch (const std::exception& e) {
          spdlog::error("{} failed: {}", what_, e.what());  // tried again next interval
        }
        lock.lock();
        wakeup_.wait_for(lock, interval_, [this] { return !running_; });
      }
    });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      running_ = false;
    }
    wakeup_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

 private:
  const std::string what_;
  const std::chrono::milliseconds interval_;
  const std::function<void()> work_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace inereg::util
