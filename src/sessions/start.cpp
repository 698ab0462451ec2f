#include "sessions/batch.hpp"
#include "sessions/workflow.hpp"

namespace inereg::sessions {

StartOutcome SessionWorkflow::start(std::string_view session_id, std::string_view attempt_id, TimeMs now) {
  StartCall call{.session_id = session_id, .attempt_id = attempt_id, .now = now};
  run(starts_, &SessionWorkflow::start_in, call);
  return call.outcome;
}

void SessionWorkflow::start_in(store::WriteTransaction& tx, std::span<StartCall* const> calls) const {
  // Locked: a second visit racing this one waits, then finds the session started and
  // starts nothing (the `started` event is queued once).
  LockedSessions sessions(tx, session_ids_of(calls));
  std::vector<store::Session> started;  // reserved: `sessions` and the changes point into it
  started.reserve(calls.size());
  std::vector<Change> changes;
  std::vector<StartCall*> accepted;
  for (StartCall* call : calls) {
    call->outcome = StartOutcome::kNotFound;
    const store::Session* session = sessions.current(call->session_id);
    if (session == nullptr) {
      continue;
    }
    call->outcome = StartOutcome::kNotAllowed;
    auto after = apply_event(*session, Event::kStart, call->now);
    if (!after) {
      continue;
    }
    after->attempt_id = std::string(call->attempt_id);
    started.push_back(std::move(*after));
    sessions.change(started.back());
    changes.push_back(Change{store::SessionChange::Kind::kStarted, &started.back()});
    accepted.push_back(call);
  }
  sessions.write_changes(tx);
  queue_webhooks(tx, changes, earliest_now(calls));
  tx.commit();
  for (StartCall* call : accepted) {
    call->outcome = StartOutcome::kStarted;
  }
}

}  // namespace inereg::sessions
