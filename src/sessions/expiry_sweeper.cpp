#include "sessions/expiry_sweeper.hpp"

#include <spdlog/spdlog.h>

namespace inereg::sessions {
namespace {

// Sessions decided per transaction: keeps each one short under a large backlog.
constexpr int kSweepBatch = 200;

}  // namespace

ExpirySweeper::ExpirySweeper(SessionWorkflow& sessions, ExpiryOptions options, Clock clock, Swept on_swept)
    : sessions_(sessions),
      options_(options),
      clock_(std::move(clock)),
      on_swept_(std::move(on_swept)),
      worker_("session expiry sweep", std::chrono::milliseconds(options_.sweep_interval_ms), [this] { sweep_once(); }) {
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
