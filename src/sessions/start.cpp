#include "sessions/workflow.hpp"

namespace inereg::sessions {

StartOutcome SessionWorkflow::start(std::string_view session_id, std::string_view attempt_id, TimeMs now) {
  const auto tx = store_.begin_write();
  // Locked: a second visit racing this one waits, then finds the session started and
  // starts nothing (the `started` event is queued once).
  const auto session = tx->lock_session(session_id);
  if (!session) {
    return StartOutcome::kNotFound;
  }
  auto started = apply_event(*session, Event::kStart, now);
  if (!started) {
    return StartOutcome::kNotAllowed;
  }
  started->attempt_id = std::string(attempt_id);
  if (!tx->update_session(*started, session->status)) {
    return StartOutcome::kNotAllowed;
  }
  const Change change{store::SessionChange::Kind::kStarted, &*started};
  queue_webhooks(*tx, std::span(&change, 1), now);
  tx->commit();
  return StartOutcome::kStarted;
}

}  // namespace inereg::sessions
