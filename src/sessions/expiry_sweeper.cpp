#include "sessions/expiry_sweeper.hpp"

#include <spdlog/spdlog.h>

namespace inereg::sessions {
namespace {

// Sessions decided per transaction: keeps each one short under a large backlog.
constexpr int kSweepBatch = 200;

}  // namespace

ExpirySweeper::ExpirySweeper(SessionWorkflow& sessions, ExpiryOptions options, Clock clock, Swept on_swept)
    : sessions_(sessions), options_(options), clock_(std::move(clock)), on_swept_(std::move(on_swept)) {}

ExpirySweeper::~ExpirySweeper() {
  stop();
}

void ExpirySweeper::start() {
  running_ = true;
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (running_) {
      lock.unlock();
      try {
        sweep_once();
      } catch (const std::exception& e) {
        spdlog::error("session expiry sweep failed: {}", e.what());  // tried again next interval
      }
      lock.lock();
      wakeup_.wait_for(lock, std::chrono::milliseconds(options_.sweep_interval_ms), [this] { return !running_; });
    }
  });
}

void ExpirySweeper::stop() {
  {
    std::lock_guard lock(mutex_);
    running_ = false;
  }
  wakeup_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

int ExpirySweeper::sweep_once() {
  int total = 0;
  while (true) {
    const auto now = clock_();
    const int decided = sessions_.expire(now - options_.expire_after_ms, now, kSweepBatch);
    total += decided;
    if (decided < kSweepBatch) {
      break;
    }
  }
  if (total > 0) {
    spdlog::info("session expiry: {} session(s) expired or abandoned", total);
    if (on_swept_) {
      on_swept_(total);
    }
  }
  return total;
}

}  // namespace inereg::sessions
