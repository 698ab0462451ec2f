#include "sessions/workflow.hpp"

namespace inereg::sessions {
namespace {

SubmitResult refused(SubmitResult::Outcome outcome) {
  SubmitResult result;
  result.outcome = outcome;
  return result;
}

}  // namespace

SubmitPlan submit_plan(const store::Session& session) {
  const bool ine = store::includes_ine(session.registry_checks) && session.ine_document;
  return SubmitPlan{.read_documents = ine,
                    .lookup = ine && session.credential.has_lookup_data(),
                    .curp = store::includes_curp(session.registry_checks) && !session.credential.curp.empty()};
}

SubmitResult SessionWorkflow::submit(std::string_view session_id, std::string_view attempt_id, TimeMs now,
                                     std::optional<std::string_view> owner) {
  const auto tx = store_.begin_write();
  // The session's lock orders the submit against uploads (SessionWorkflow::add_media):
  // every upload committed before it is seen by has_readable_document below, and an
  // upload waiting for the lock then finds the session submitted and is refused.
  const auto session = tx->lock_session(session_id);
  if (!session || (owner && session->integration_id != *owner)) {
    return refused(SubmitResult::Outcome::kNotFound);
  }
  auto submitted = apply_event(*session, Event::kSubmit, now);
  if (!submitted) {
    return refused(SubmitResult::Outcome::kNotAllowed);
  }
  if (submitted->attempt_id.empty()) {
    submitted->attempt_id = std::string(attempt_id);  // else the one start gave
  }
  if (!tx->update_session(*submitted, session->status)) {
    return refused(SubmitResult::Outcome::kNotAllowed);
  }
  std::vector<Change> changes{{store::SessionChange::Kind::kSubmitted, &*submitted}};
  SubmitResult result;
  result.outcome = SubmitResult::Outcome::kSubmitted;
  const SubmitPlan plan = submit_plan(*session);
  const bool read_documents = plan.read_documents && tx->has_readable_document(session_id);
  const bool ine_can_run = !store::includes_ine(session->registry_checks) || read_documents || plan.lookup;
  const bool curp_can_run = !store::includes_curp(session->registry_checks) || plan.curp;
  std::optional<store::Session> decided;
  // Without the data of every check it gets, a session cannot pass: decided at once, and
  // a session getting both checks has its INE+CURP result complete (without parts).
  const store::SessionCheckResults nothing_checked{std::string(session_id), {}, {}};
  if (ine_can_run && curp_can_run) {
    tx->insert_check_job(session_id, now, read_documents);
    result.check_queued = true;
  } else {
    // Veriff's answer when no registry check can run is a resubmission request (9103).
    decided = apply_event(*submitted, Event::kRequestResubmission, now);
    tx->update_session(*decided, submitted->status);
    const bool both = session->registry_checks == store::RegistryChecks::kBoth;
    changes.push_back(Change{.kind = store::SessionChange::Kind::kDecided,
                             .session = &*decided,
                             .combined = both ? &nothing_checked : nullptr});
  }
  queue_webhooks(*tx, changes, now);
  tx->commit();
  result.session = std::move(*submitted);
  return result;
}

}  // namespace inereg::sessions
