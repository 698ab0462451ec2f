#pragma once

#include <functional>

#include "sessions/workflow.hpp"
#include "store/store.hpp"
#include "util/periodic_thread.hpp"

namespace inereg::sessions {

struct RetentionOptions {
  store::TimeMs sweep_interval_ms = 600'000;  // every 10 minutes
  int batch_size = 200;                       // sessions (or webhook rows) per transaction
};

// Retention (issue 15, item 3): every sweep_interval_ms, for each integration with a
// retention set (`inereg integration set-retention`), purges the personal data of
// sessions decided — or expired, which decides them — more than Integration::retention_ms
// ago, and removes webhook rows delivered more than delivered_webhook_retention_ms ago.
// In batches of batch_size, one transaction each (SessionWorkflow::purge_personal_data,
// prune_delivered_webhooks), so a backlog never holds a long transaction; every node may
// sweep at once (PostgreSQL: SKIP LOCKED; SQLite: one writer at a time). Each sweep is
// recorded as the cluster's last run (`inereg retention status`). start() once, stop()
// once.
class RetentionSweeper {
 public:
  using Clock = std::function<store::TimeMs()>;
  RetentionSweeper(store::Store& store, SessionWorkflow& sessions, RetentionOptions options, Clock clock);
  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;

  void start() { worker_.start(); }
  void stop() { worker_.stop(); }
  // One sweep on the calling thread (also `inereg retention run`); returns what it did.
  store::RetentionRun sweep_once();

 private:
  store::Store& store_;
  SessionWorkflow& sessions_;
  const RetentionOptions options_;
  const Clock clock_;
  util::PeriodicThread worker_;  // last: it runs sweep_once() over the members above
};

}  // namespace inereg::sessions
