#include "sessions/workflow.hpp"

namespace inereg::sessions {

SubmitPlan submit_plan(const store::Session& session) {
  return SubmitPlan{.read_documents = session.ine_document,
                    .lookup = session.ine_document && session.credential.has_lookup_data()};
}

SubmitResult SessionWorkflow::submit(std::string_view session_id, std::string_view attempt_id, TimeMs now) {
  const auto tx = store_.begin_write();
  // The session's lock orders the submit against uploads (SessionWorkflow::add_media):
  // every upload committed before it is seen by has_readable_document below, and an
  // upload waiting for the lock then finds the session submitted and is refused.
  const auto session = tx->lock_session(session_id);
  if (!session) {
    return SubmitResult{SubmitResult::Outcome::kNotFound};
  }
  auto submitted = apply_event(*session, Event::kSubmit, now);
  if (!submitted) {
    return SubmitResult{SubmitResult::Outcome::kNotAllowed};
  }
  if (submitted->attempt_id.empty()) {
    submitted->attempt_id = std::string(attempt_id);  // else the one start gave
  }
  if (!tx->update_session(*submitted, session->status)) {
    return SubmitResult{SubmitResult::Outcome::kNotAllowed};
  }
  std::vector<Change> changes{{store::SessionChange::Kind::kSubmitted, &*submitted}};
  SubmitResult result{SubmitResult::Outcome::kSubmitted};
  const SubmitPlan plan = submit_plan(*session);
  std::optional<store::Session> decided;
  if (plan.read_documents && tx->has_readable_document(session_id)) {
    tx->insert_check_job(session_id, now, /*read_document=*/true);
    result.check_queued = true;
  } else if (plan.lookup) {
    tx->insert_check_job(session_id, now, /*read_document=*/false);
    result.check_queued = true;
  } else {
    // Without credential data no registry check can run: Veriff's answer is a
    // resubmission request (9103).
    decided = apply_event(*submitted, Event::kRequestResubmission, now);
    tx->update_session(*decided, submitted->status);
    changes.push_back({store::SessionChange::Kind::kDecided, &*decided});
  }
  queue_webhooks(*tx, changes, now);
  tx->commit();
  return result;
}

}  // namespace inereg::sessions
