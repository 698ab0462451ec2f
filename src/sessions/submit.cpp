#include <unordered_set>

#include "sessions/batch.hpp"
#include "sessions/workflow.hpp"

namespace inereg::sessions {
namespace {

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
  SubmitCall call{
      .session_id = session_id, .attempt_id = attempt_id, .now = now, .owner = owner, .lease = reservation.lease()};
  // The transaction's body may run on another thread (Store::write, BatchedCalls); what
  // follows it runs here once the submit is durable. Nothing in it waits on anything but
  // the store: the job's lookup starts afterwards (it may read the store itself: the
  // local registry does).
  run(submits_, &SessionWorkflow::submit_in, call);
  if (call.result.outcome != SubmitResult::Outcome::kSubmitted) {
    return call.result;
  }
  if (call.claimed) {
    reservation.hand_over(std::move(*call.claimed));
  } else if (call.queued && intake_ != nullptr) {
    intake_->wake();
  }
  return call.result;
}

void SessionWorkflow::submit_in(store::WriteTransaction& tx, std::span<SubmitCall* const> calls) const {
  for (SubmitCall* call : calls) {
    call->result = SubmitResult{};
    call->claimed.reset();
    call->queued = false;
  }
  // The sessions' locks order the submits against uploads (SessionWorkflow::add_media):
  // every upload committed before them is seen by sessions_with_readable_document below,
  // and an upload waiting for a lock then finds its session submitted and is refused.
  LockedSessions sessions(tx, session_ids_of(calls));
  std::vector<std::string> to_read;
  for (const SubmitCall* call : calls) {
    const store::Session* session = sessions.current(call->session_id);
    if (session != nullptr && submit_plan(*session).read_documents) {
      to_read.push_back(session->id);
    }
  }
  std::unordered_set<std::string> readable;
  if (!to_read.empty()) {
    for (auto& id : tx.sessions_with_readable_document(to_read)) {
      readable.insert(std::move(id));
    }
  }
  // Reserved: `sessions`, the changes and the results point into these.
  std::vector<store::Session> submitted;
  std::vector<store::Session> decided;
  submitted.reserve(calls.size());
  decided.reserve(calls.size());
  std::vector<store::NewCheckJob> jobs;
  jobs.reserve(calls.size());
  std::vector<Change> changes;
  struct Accepted {
    SubmitCall* call;
    const store::Session* stored;
    const store::Session* submitted;
    const store::NewCheckJob* job;  // nullptr: decided at once
  };
  std::vector<Accepted> accepted;
  // Without the data of every check it gets, a session cannot pass: decided at once, and
  // a session getting both checks has its INE+CURP result complete (without parts).
  std::vector<store::SessionCheckResults> nothing_checked;
  nothing_checked.reserve(calls.size());
  for (SubmitCall* call : calls) {
    const store::Session* session = sessions.current(call->session_id);
    if (session == nullptr || (call->owner && session->integration_id != *call->owner)) {
      continue;  // kNotFound
    }
    call->result.outcome = SubmitResult::Outcome::kNotAllowed;
    auto after = apply_event(*session, Event::kSubmit, call->now);
    if (!after) {
      continue;
    }
    const std::string& id = session->id;
    const store::Session& stored = sessions.stored(id);
    if (after->attempt_id.empty()) {
      after->attempt_id = std::string(call->attempt_id);  // else the one start gave
    }
    submitted.push_back(std::move(*after));
    changes.push_back(Change{.kind = store::SessionChange::Kind::kSubmitted, .session = &submitted.back()});
    const SubmitPlan plan = submit_plan(stored);
    const bool read_documents = plan.read_documents && readable.contains(id);
    const bool ine_can_run = !store::includes_ine(stored.registry_checks) || read_documents || plan.lookup;
    const bool curp_can_run = !store::includes_curp(stored.registry_checks) || plan.curp;
    accepted.push_back(Accepted{.call = call, .stored = &stored, .submitted = &submitted.back(), .job = nullptr});
    if (ine_can_run && curp_can_run) {
      jobs.push_back(store::NewCheckJob{id, call->now, read_documents, call->lease});
      accepted.back().job = &jobs.back();
      sessions.change(submitted.back());
    } else {
      // Veriff's answer when no registry check can run is a resubmission request (9103).
      decided.push_back(*apply_event(submitted.back(), Event::kRequestResubmission, call->now));
      sessions.change(decided.back());
      const bool both = stored.registry_checks == store::RegistryChecks::kBoth;
      if (both) {
        nothing_checked.push_back(store::SessionCheckResults{id, {}, {}});
      }
      changes.push_back(Change{.kind = store::SessionChange::Kind::kDecided,
                               .session = &decided.back(),
                               .combined = both ? &nothing_checked.back() : nullptr});
    }
  }
  sessions.write_changes(tx);
  tx.insert_check_jobs(jobs);
  queue_webhooks(tx, changes, earliest_now(calls));
  tx.commit();
  for (const Accepted& done : accepted) {
    SubmitCall& call = *done.call;
    call.result.outcome = SubmitResult::Outcome::kSubmitted;
    call.result.session = *done.submitted;
    call.queued = done.job != nullptr;
    if (call.queued && call.lease != nullptr) {
      call.claimed = store::ClaimedCheck{.session_id = done.stored->id,
                                         .attempts = 1,
                                         .credential = done.stored->credential,
                                         .read_document = done.job->read_document};
      // No result yet: a session is submitted once, and this submit makes its first job.
      store::set_due_checks(*call.claimed, done.stored->registry_checks, false, false);
    }
  }
}

}  // namespace inereg::sessions
