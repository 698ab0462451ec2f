#include "sessions/workflow.hpp"

namespace inereg::sessions {
namespace {

SubmitResult refused(SubmitResult::Outcome outcome) {
  SubmitResult result;
  result.outcome = outcome;
  return result;
}

// A lease reserved from the check intake for the submit's job: released unless the job
// committed under it is handed over.
class Reservation {
 public:
  explicit Reservation(CheckIntake* intake)
      : intake_(intake), lease_(intake != nullptr ? intake->reserve() : std::nullopt) {}
  ~Reservation() {
    if (lease_) {
      intake_->release();
    }
  }
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;

  const store::CheckLease* lease() const { return lease_ ? &*lease_ : nullptr; }

  void hand_over(store::ClaimedCheck job) {
    lease_.reset();
    intake_->take(std::move(job));
  }

 private:
  CheckIntake* const intake_;
  std::optional<store::CheckLease> lease_;
};

}  // namespace

SubmitPlan submit_plan(const store::Session& session) {
  const bool ine = store::includes_ine(session.registry_checks) && session.ine_document;
  return SubmitPlan{.read_documents = ine,
                    .lookup = ine && session.credential.has_lookup_data(),
                    .curp = store::includes_curp(session.registry_checks) && !session.credential.curp.empty()};
}

SubmitResult SessionWorkflow::submit(std::string_view session_id, std::string_view attempt_id, TimeMs now,
                                     std::optional<std::string_view> owner) {
  Reservation reservation(intake_);
  SubmitResult result = refused(SubmitResult::Outcome::kNotFound);
  std::optional<store::ClaimedCheck> claimed;
  bool queued = false;
  // The transaction's body may run on another thread (Store::write); what follows it runs
  // here once the submit is durable. Nothing in it waits on anything but the store: the
  // job's lookup starts afterwards (it may read the store itself: the local registry does).
  store_.write([&](store::WriteTransaction& tx) {
    // The session's lock orders the submit against uploads (SessionWorkflow::add_media):
    // every upload committed before it is seen by has_readable_document below, and an
    // upload waiting for the lock then finds the session submitted and is refused.
    const auto session = tx.lock_session(session_id);
    if (!session || (owner && session->integration_id != *owner)) {
      return;
    }
    result.outcome = SubmitResult::Outcome::kNotAllowed;
    auto submitted = apply_event(*session, Event::kSubmit, now);
    if (!submitted) {
      return;
    }
    if (submitted->attempt_id.empty()) {
      submitted->attempt_id = std::string(attempt_id);  // else the one start gave
    }
    if (!tx.update_session(*submitted, session->status)) {
      return;
    }
    std::vector<Change> changes{{store::SessionChange::Kind::kSubmitted, &*submitted}};
    const SubmitPlan plan = submit_plan(*session);
    const bool read_documents = plan.read_documents && tx.has_readable_document(session_id);
    const bool ine_can_run = !store::includes_ine(session->registry_checks) || read_documents || plan.lookup;
    const bool curp_can_run = !store::includes_curp(session->registry_checks) || plan.curp;
    std::optional<store::Session> decided;
    // Without the data of every check it gets, a session cannot pass: decided at once, and
    // a session getting both checks has its INE+CURP result complete (without parts).
    const store::SessionCheckResults nothing_checked{std::string(session_id), {}, {}};
    if (ine_can_run && curp_can_run) {
      tx.insert_check_job(session_id, now, read_documents, reservation.lease());
      queued = true;
      if (reservation.lease() != nullptr) {
        claimed = store::ClaimedCheck{.session_id = std::string(session_id),
                                      .attempts = 1,
                                      .credential = session->credential,
                                      .read_document = read_documents};
        // No result yet: a session is submitted once, and this submit makes its first job.
        store::set_due_checks(*claimed, session->registry_checks, false, false);
      }
    } else {
      // Veriff's answer when no registry check can run is a resubmission request (9103).
      decided = apply_event(*submitted, Event::kRequestResubmission, now);
      tx.update_session(*decided, submitted->status);
      const bool both = session->registry_checks == store::RegistryChecks::kBoth;
      changes.push_back(Change{.kind = store::SessionChange::Kind::kDecided,
                               .session = &*decided,
                               .combined = both ? &nothing_checked : nullptr});
    }
    queue_webhooks(tx, changes, now);
    tx.commit();
    result.outcome = SubmitResult::Outcome::kSubmitted;
    result.session = std::move(*submitted);
  });
  if (result.outcome != SubmitResult::Outcome::kSubmitted) {
    return result;
  }
  if (claimed) {
    reservation.hand_over(std::move(*claimed));
  } else if (queued && intake_ != nullptr) {
    intake_->wake();
  }
  return result;
}

}  // namespace inereg::sessions
