#pragma once

#include <functional>

#include "sessions/workflow.hpp"
#include "util/periodic_thread.hpp"

namespace inereg::sessions {

struct ExpiryOptions {
  store::TimeMs expire_after_ms = 7LL * 24 * 3'600'000;  // Veriff: 7 days after creation (§6.7)
  store::TimeMs sweep_interval_ms = 60'000;
};

// Ends sessions the end user never finished (veriff-api.md §6.7): every
// sweep_interval_ms, sessions created more than expire_after_ms ago and still
// `created` become `expired`, still `started` become `abandoned`, each with its
// decision webhook (SessionWorkflow::expire, safe with every node sweeping).
// start() once, stop() once.
class ExpirySweeper {
 public:
  using Clock = std::function<store::TimeMs()>;
  using Swept = std::function<void(int decided)>;  // after a sweep that decided sessions
  ExpirySweeper(SessionWorkflow& sessions, ExpiryOptions options, Clock clock, Swept on_swept);
  ExpirySweeper(const ExpirySweeper&) = delete;
  ExpirySweeper& operator=(const ExpirySweeper&) = delete;

  void start() { worker_.start(); }
  void stop() { worker_.stop(); }
  // One sweep on the calling thread; returns how many sessions it decided.
  int sweep_once();

 private:
  SessionWorkflow& sessions_;
  const ExpiryOptions options_;
  const Clock clock_;
  const Swept on_swept_;
  util::PeriodicThread worker_;  // last: it runs sweep_once() over the members above
};

}  // namespace inereg::sessions
