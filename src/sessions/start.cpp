#include "sessions/workflow.hpp"

namespace inereg::sessions {

StartOutcome SessionWorkflow::start(std::string_view session_id, std::string_view attempt_id, TimeMs now) {
  StartOutcome outcome = StartOutcome::kNotFound;
  store_.write([&](store::WriteTransaction& tx) {
    // Locked: a second visit racing this one waits, then finds the session started and
    // starts nothing (the `started` event is queued once).
    const auto session = tx.lock_session(session_id);
    if (!session) {
      return;
    }
    outcome = StartOutcome::kNotAllowed;
    auto started = apply_event(*session, Event::kStart, now);
    if (!started) {
      return;
    }
    started->attempt_id = std::string(attempt_id);
    if (!tx.update_session(*started, session->status)) {
      return;
    }
    const Change change{store::SessionChange::Kind::kStarted, &*started};
    queue_webhooks(tx, std::span(&change, 1), now);
    tx.commit();
    outcome = StartOutcome::kStarted;
  });
  return outcome;
}

}  // namespace inereg::sessions
