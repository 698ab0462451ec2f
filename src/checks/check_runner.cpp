#include "checks/check_runner.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <iterator>
#include <mutex>
#include <random>
#include <set>
#include <span>
#include <unordered_map>

#include "auth/secret_box.hpp"
#include "checks/recheck_pace.hpp"
#include "ine/curp_status.hpp"
#include "ine/situation.hpp"

namespace inereg::checks {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A source asking us to stay away longer than a day is taken as wanting a day.
constexpr store::TimeMs kMaxRetryAfterMs = 86'400'000;

}  // namespace

// Everything the threads and the connector callbacks share. Owned jointly by the runner
// and by every callback handed to the connector, so that an answer arriving after the
// runner is gone touches live memory (and is dropped).
struct CheckRunner::Core : std::enable_shared_from_this<CheckRunner::Core> {
  Core(store::Store& store_ref, sessions::SessionWorkflow& sessions_ref, registry::RegistryConnector& connector_ref,
       registry::RegistryConnector* curp_connector_ref, CheckRunnerOptions opts, Clock clk, AnswerSeal seal)
      : store(store_ref),
        sessions(sessions_ref),
        connector(connector_ref),
        curp_connector(curp_connector_ref),
        options(opts),
        clock(std::move(clk)),
        seal_answer(std::move(seal)),
        owner(auth::random_uuid_v4()),
        deadline(std::chrono::milliseconds(lookup_deadline_ms(opts))),
        claim_threshold(std::max(1, std::min(opts.batch_size, opts.max_in_flight) / 4)) {}

  // A job's lookups: one per due check, answered into its own slot.
  struct Outcomes {
    std::optional<registry::LookupOutcome> ine;   // with ClaimedCheck::ine_due
    std::optional<registry::LookupOutcome> curp;  // with ClaimedCheck::curp_due
  };
  enum class Check { kIne, kCurp };
  struct InFlight {
    store::ClaimedCheck check;
    SteadyClock::time_point started;
    SteadyClock::time_point deadline;
    int awaiting = 0;  // lookups not answered yet
    Outcomes outcomes;
  };
  struct Answered {
    store::ClaimedCheck check;
    Outcomes outcomes;
  };

  // A connector's answer to the `check` lookup of `ticket`, from any thread. Dropped
  // when the job was already given up (deadline) or abandoned (stop).
  void on_answer(std::uint64_t ticket, Check check, registry::LookupOutcome outcome) {
    std::lock_guard lock(mutex);
    const auto it = in_flight.find(ticket);
    if (it == in_flight.end()) {
      return;
    }
    if (outcome.kind != registry::LookupOutcome::Kind::kVerdict) {
      metrics.unavailable.add();
    }
    (check == Check::kIne ? it->second.outcomes.ine : it->second.outcomes.curp) = std::move(outcome);
    if (--it->second.awaiting > 0) {
      return;
    }
    metrics.lookup_seconds.observe(std::chrono::duration<double>(SteadyClock::now() - it->second.started).count());
    finish_lookup(it);
  }

  // Moves a job from in flight to the completers' queue. Caller holds `mutex`.
  void finish_lookup(std::unordered_map<std::uint64_t, InFlight>::iterator it) {
    deadlines.erase({it->second.deadline, it->first});
    answered.push_back(Answered{std::move(it->second.check), std::move(it->second.outcomes)});
    in_flight.erase(it);
    metrics.lookups_in_flight.set(static_cast<std::int64_t>(in_flight.size()));
    completer_wakeup.notify_one();
  }

  // Gives up jobs past their deadline: the lookups not answered yet are retried like
  // any failure, and their answers, if they ever come, are dropped. Caller holds `mutex`.
  void expire_overdue(SteadyClock::time_point now) {
    while (!deadlines.empty() && deadlines.begin()->first <= now) {
      const auto it = in_flight.find(deadlines.begin()->second);
      metrics.timeouts.add();
      metrics.lookup_seconds.observe(std::chrono::duration<double>(now - it->second.started).count());
      const auto timed_out =
          registry::LookupOutcome::unavailable(registry::LookupOutcome::Cause::kNone, "registry lookup timed out");
      const store::ClaimedCheck& check = it->second.check;
      Outcomes& outcomes = it->second.outcomes;
      if (check.ine_due && !outcomes.ine) {
        outcomes.ine = timed_out;
        metrics.unavailable.add();
      }
      if (check.curp_due && !outcomes.curp) {
        outcomes.curp = timed_out;
        metrics.unavailable.add();
      }
      finish_lookup(it);
    }
  }

  bool can_claim() const {
    const int used = slots_used;
    const int free = options.max_in_flight - used;
    // Under load, wait until a useful batch of slots is free rather than claiming one
    // job per transaction; when lightly loaded, start new jobs at once.
    return free > 0 && (free >= claim_threshold || used < claim_threshold);
  }

  // The delay before the next attempt of a check that got no verdict.
  store::TimeMs retry_delay(int attempts, const registry::LookupOutcome& outcome) const {
    const int exponent = std::clamp(attempts - 1, 0, 20);
    const store::TimeMs backoff = std::min(options.retry_max_ms, options.retry_base_ms << exponent);
    std::uniform_int_distribution<store::TimeMs> jitter(0, backoff / 4);
    thread_local std::mt19937_64 random{std::random_device{}()};
    store::TimeMs delay = backoff + jitter(random);
    if (outcome.retry_after_ms) {
      delay = std::max(delay, std::clamp<store::TimeMs>(*outcome.retry_after_ms, 0, kMaxRetryAfterMs));
    }
    return delay;
  }

  // Starts one lookup of job `ticket` through `source` (nullptr: none configured).
  void start_lookup(registry::RegistryConnector* source, std::uint64_t ticket, Check check,
                    const ine::Credential& credential) {
    using registry::LookupOutcome;
    if (source == nullptr) {
      on_answer(ticket, check, LookupOutcome::unavailable(LookupOutcome::Cause::kRefused, "no CURP source configured"));
      return;
    }
    metrics.attempts.add();
    auto done = [shared = shared_from_this(), ticket, check](LookupOutcome outcome) {
      shared->on_answer(ticket, check, std::move(outcome));
    };
    try {
      if (check == Check::kIne) {
        source->lookup(credential, std::move(done));
      } else {
        source->lookup_curp(credential, std::move(done));
      }
    } catch (const std::exception& e) {
      on_answer(ticket, check,
                LookupOutcome::unavailable(LookupOutcome::Cause::kTransient,
                                           std::string("registry connector error: ") + e.what()));
    }
  }
  void start_lookup(registry::RegistryConnector& source, std::uint64_t ticket, Check check,
                    const ine::Credential& credential) {
    start_lookup(&source, ticket, check, credential);
  }

  void write(std::vector<Answered>& batch);
  void write_rechecks(std::span<const sessions::RecheckAnswer> answers, std::span<const store::RecheckRetry> retries,
                      store::TimeMs now);
  // On a reading thread: reads the claimed job's document images and records the
  // outcome under the claim. `claimed_at`: when the claim was made (its lease started).
  void read_document(const store::ClaimedCheck& check, SteadyClock::time_point claimed_at);
  // A reading job's slot is free again; `lookup_due`: its lookup was just released.
  void finish_reading(bool lookup_due);

  store::Store& store;
  sessions::SessionWorkflow& sessions;
  registry::RegistryConnector& connector;
  registry::RegistryConnector* const curp_connector;  // nullptr: CURP checks stay pending
  const CheckRunnerOptions options;
  const Clock clock;
  const AnswerSeal seal_answer;  // empty: answers are not kept
  const std::string owner;
  const SteadyClock::duration deadline;
  const int claim_threshold;
  PipelineMetrics metrics;
  const vision::MrzReader reader{options.image_limits};  // stateless; Tesseract is per thread (thread_local)

  std::mutex mutex;
  std::condition_variable dispatcher_wakeup;  // wake(), slots freed, stop
  std::condition_variable completer_wakeup;   // answers queued, stop
  bool running = false;
  bool completers_exit = false;
  bool stopped = false;
  std::uint64_t wake_generation = 0;
  // Jobs claimed and not yet written back (in flight, queued, or being written): the
  // bound on everything below.
  int slots_used = 0;
  std::uint64_t next_ticket = 0;
  std::unordered_map<std::uint64_t, InFlight> in_flight;
  std::set<std::pair<SteadyClock::time_point, std::uint64_t>> deadlines;
  std::deque<Answered> answered;
};

namespace {

using registry::LookupOutcome;

std::optional<store::IneResult> ine_result(const std::optional<LookupOutcome>& outcome, store::TimeMs now) {
  if (!outcome || outcome->kind != LookupOutcome::Kind::kVerdict) {
    return std::nullopt;
  }
  const auto policy = ine::policy_for_situation(outcome->situation);
  if (!policy) {
    return std::nullopt;  // a situation outside the catalog is no verdict
  }
  return store::IneResult{policy->active,
                          std::string(policy->document_state),
                          policy->id,
                          now,
                          outcome->source,
                          outcome->message_code,
                          outcome->answered_at_ms,
                          outcome->snapshot_at_ms};
}

std::optional<store::CurpResult> curp_result(const std::optional<LookupOutcome>& outcome, store::TimeMs now) {
  if (!outcome || outcome->kind != LookupOutcome::Kind::kVerdict) {
    return std::nullopt;
  }
  if (outcome->situation != ine::kCurpNotFound && !ine::curp_status_by_id(outcome->situation)) {
    return std::nullopt;  // a status outside the catalog is no verdict
  }
  return store::CurpResult{outcome->situation,     now, outcome->source, outcome->message_code, outcome->answered_at_ms,
                           outcome->snapshot_at_ms};
}

// Why a lookup gave no result, for the log; never personal data.
std::string_view why_unanswered(const std::optional<LookupOutcome>& outcome) {
  if (!outcome) {
    return "no answer";
  }
  return outcome->kind == LookupOutcome::Kind::kVerdict ? "the registry returned a verdict outside the catalog"
                                                        : std::string_view(outcome->reason);
}

}  // namespace

void CheckRunner::Core::write(std::vector<Answered>& batch) {
  const store::TimeMs now = clock();
  std::vector<sessions::CheckVerdict> completions;
  std::vector<store::CheckRetry> retries;
  std::vector<sessions::RecheckAnswer> recheck_answers;
  std::vector<store::RecheckRetry> recheck_retries;
  for (auto& [check, outcomes] : batch) {
    auto ine = check.ine_due ? ine_result(outcomes.ine, now) : std::nullopt;
    if (check.recheck_id) {
      const store::RecheckClaim claim{*check.recheck_id, check.attempts};
      if (ine) {
        recheck_answers.push_back(
            sessions::RecheckAnswer{claim, check.session_id, std::move(ine), outcomes.ine->source});
      } else if (check.attempts >= options.recheck.max_attempts) {
        // Recorded as no answer: an outage is never a verdict, nor a change of one.
        recheck_answers.push_back(sessions::RecheckAnswer{claim, check.session_id, std::nullopt, ""});
      } else {
        const store::TimeMs delay = retry_delay(check.attempts, outcomes.ine ? *outcomes.ine : LookupOutcome{});
        spdlog::warn("re-check {} of session {} not answered (attempt {}): {}; retrying in {} ms", claim.recheck_id,
                     check.session_id, check.attempts, why_unanswered(outcomes.ine), delay);
        recheck_retries.push_back(store::RecheckRetry{claim, now + delay});
      }
      continue;
    }
    auto curp = check.curp_due ? curp_result(outcomes.curp, now) : std::nullopt;
    const bool ine_missing = check.ine_due && !ine;
    const bool curp_missing = check.curp_due && !curp;
    std::optional<store::TimeMs> retry_at;
    if (ine_missing || curp_missing) {
      // Not every due check has a verdict: the missing ones are retried later with
      // exponential backoff and jitter, at least as late as their source asked.
      LookupOutcome unanswered = LookupOutcome::unavailable(LookupOutcome::Cause::kTransient, "");
      for (const auto* outcome : {ine_missing ? &outcomes.ine : nullptr, curp_missing ? &outcomes.curp : nullptr}) {
        if (outcome != nullptr && *outcome && (*outcome)->retry_after_ms) {
          unanswered.retry_after_ms = std::max((*outcome)->retry_after_ms, unanswered.retry_after_ms);
        }
      }
      const store::TimeMs delay = retry_delay(check.attempts, unanswered);
      retry_at = now + delay;
      if (ine_missing) {
        spdlog::warn("INE check for session {} not answered (attempt {}): {}; retrying in {} ms", check.session_id,
                     check.attempts, why_unanswered(outcomes.ine), delay);
      }
      if (curp_missing) {
        spdlog::warn("CURP check for session {} not answered (attempt {}): {}; retrying in {} ms", check.session_id,
                     check.attempts, why_unanswered(outcomes.curp), delay);
      }
    }
    if (ine || curp || !retry_at) {
      // The INE registry's answer is kept sealed with its result (none for the CURP's).
      std::string sealed = ine && seal_answer ? seal_answer(check.session_id, outcomes.ine->answer) : std::string();
      completions.push_back(sessions::CheckVerdict{
          {check.session_id, check.attempts}, std::move(ine), std::move(curp), std::move(sealed), retry_at});
    } else {
      retries.push_back(store::CheckRetry{check.session_id, check.attempts, *retry_at});
    }
  }
  // A store error loses nothing: the jobs stay pending under leases that expire, and
  // are claimed and looked up again.
  if (!completions.empty()) {
    try {
      const auto recorded = sessions.complete_checks(owner, completions, now);
      for (std::size_t i = 0; i < completions.size(); ++i) {
        const auto& done = completions[i];
        if (!recorded[i]) {
          metrics.lost_leases.add();
          spdlog::warn("check for session {} lost its lease before completing; another worker owns it",
                       done.claim.session_id);
          continue;
        }
        if (done.result) {
          (done.result->active ? metrics.verdicts_active : metrics.verdicts_inactive).add();
          // Debug: at thousands of checks a second an info line each flooded the log (a
          // write per line); inereg_check_outcomes_total counts them.
          spdlog::debug("INE check for session {} completed: situation {} active={}", done.claim.session_id,
                        done.result->situation, done.result->active);
        }
        if (done.curp) {
          const auto status = ine::curp_status_by_id(done.curp->status);
          (status && status->active ? metrics.verdicts_active : metrics.verdicts_inactive).add();
          spdlog::debug("CURP check for session {} completed: status {}", done.claim.session_id,
                        status ? status->code : "not found");
        }
        if (done.retry_at) {
          metrics.retries.add();
        }
      }
    } catch (const std::exception& e) {
      metrics.store_errors.add();
      spdlog::error("recording {} check results failed: {}", completions.size(), e.what());
    }
  }
  if (!retries.empty()) {
    try {
      const auto applied = sessions.retry_checks(owner, retries);
      for (const bool ok : applied) {
        (ok ? metrics.retries : metrics.lost_leases).add();
      }
    } catch (const std::exception& e) {
      metrics.store_errors.add();
      spdlog::error("scheduling {} check retries failed: {}", retries.size(), e.what());
    }
  }
  write_rechecks(recheck_answers, recheck_retries, now);
}

void CheckRunner::Core::write_rechecks(std::span<const sessions::RecheckAnswer> answers,
                                       std::span<const store::RecheckRetry> retries, store::TimeMs now) {
  if (!answers.empty()) {
    try {
      const auto recorded = sessions.complete_rechecks(owner, answers, now);
      for (std::size_t i = 0; i < answers.size(); ++i) {
        const auto& answer = answers[i];
        using Recorded = sessions::RecheckRecorded;
        switch (recorded[i]) {
          case Recorded::kClaimLost:
            metrics.lost_leases.add();
            spdlog::warn("re-check {} of session {} lost its lease before completing", answer.claim.recheck_id,
                         answer.session_id);
            continue;
          case Recorded::kNoAnswer:
            metrics.rechecks_no_answer.add();
            break;
          case Recorded::kSameVerdict:
            metrics.rechecks_same_verdict.add();
            break;
          case Recorded::kVerdictChanged:
            metrics.rechecks_changed_verdict.add();
            break;
        }
        spdlog::info("re-check {} of session {}: {}", answer.claim.recheck_id, answer.session_id,
                     recorded[i] == Recorded::kNoAnswer         ? "no answer after every attempt"
                     : recorded[i] == Recorded::kVerdictChanged ? "verdict changed"
                                                                : "same verdict");
      }
    } catch (const std::exception& e) {
      metrics.store_errors.add();
      spdlog::error("recording {} re-checks failed: {}", answers.size(), e.what());
    }
  }
  if (!retries.empty()) {
    try {
      for (const bool ok : sessions.retry_rechecks(owner, retries)) {
        (ok ? metrics.retries : metrics.lost_leases).add();
      }
    } catch (const std::exception& e) {
      metrics.store_errors.add();
      spdlog::error("scheduling {} re-check retries failed: {}", retries.size(), e.what());
    }
  }
}

void CheckRunner::Core::read_document(const store::ClaimedCheck& check, SteadyClock::time_point claimed_at) {
  const std::string& session_id = check.session_id;
  // A job that waited for a reading thread through half its lease would risk the lease
  // running out mid-read: it is given back, due at once, for whichever node has room.
  if (SteadyClock::now() - claimed_at > std::chrono::milliseconds(options.lease_ms / 2)) {
    try {
      const store::CheckRetry retry{session_id, check.attempts, clock()};
      const bool applied = sessions.retry_checks(owner, std::span(&retry, 1)).front();
      (applied ? metrics.retries : metrics.lost_leases).add();
      spdlog::info("document reading for session {} waited past half its lease; given back", session_id);
    } catch (const std::exception& e) {
      metrics.store_errors.add();  // the lease expires and the job is claimed again
      spdlog::error("giving back the document reading for session {} failed: {}", session_id, e.what());
    }
    finish_reading(true);
    return;
  }
  std::vector<store::MediaFile> images;
  try {
    images = store.media_for_reading(session_id);
  } catch (const std::exception& e) {
    metrics.store_errors.add();  // nothing recorded: the job is claimed again after its lease
    spdlog::error("loading the document images of session {} failed: {}", session_id, e.what());
    finish_reading(false);
    return;
  }
  const FirstReading first = read_first_mrz(reader, images);
  const DocumentJudgement judgement = judge_document(check.credential, first.mrz);
  sessions::DocumentReading record{{session_id, check.attempts}, std::nullopt, ""};
  switch (judgement.kind) {
    case DocumentJudgement::Kind::kCredential:
      record.credential = judgement.credential;
      break;
    case DocumentJudgement::Kind::kUnreadable:
      record.decision_reason = store::decision_reason::kDocumentUnreadable;
      break;
    case DocumentJudgement::Kind::kMismatch:
      record.decision_reason = store::decision_reason::kDocumentMismatch;
      break;
  }
  bool recorded = false;
  try {
    recorded = sessions.record_reading(owner, record, clock());
  } catch (const std::exception& e) {
    metrics.store_errors.add();
    spdlog::error("recording the document reading of session {} failed: {}", session_id, e.what());
    finish_reading(false);
    return;
  }
  if (!recorded) {
    metrics.lost_leases.add();
    spdlog::warn("document reading for session {} lost its lease before recording; another worker owns it", session_id);
    finish_reading(false);
    return;
  }
  // Session id and outcome kinds only: what was read is personal data.
  spdlog::info("document reading for session {}: {} (MRZ {}, {} of {} images read{}{})", session_id,
               judgement_name(judgement.kind), first.mrz ? "read" : "not read", first.tried, images.size(),
               first.mrz || first.tried == 0 ? "" : "; first image: ",
               first.mrz || first.tried == 0 ? "" : vision::read_failure_name(first.failure));
  switch (judgement.kind) {
    case DocumentJudgement::Kind::kCredential:
      metrics.documents_read.add();
      break;
    case DocumentJudgement::Kind::kUnreadable:
      metrics.documents_unreadable.add();
      metrics.documents_unreadable_by_failure.at(static_cast<std::size_t>(first.failure)).add();
      break;
    case DocumentJudgement::Kind::kMismatch:
      metrics.documents_mismatch.add();
      break;
  }
  finish_reading(record.credential.has_value());
}

void CheckRunner::Core::finish_reading(bool lookup_due) {
  {
    std::lock_guard lock(mutex);
    --slots_used;
    if (lookup_due) {
      ++wake_generation;  // the released job is due now: claim it without waiting for the poll
    }
  }
  dispatcher_wakeup.notify_all();
}

store::TimeMs CheckRunner::lookup_deadline_ms(const CheckRunnerOptions& options) {
  return std::max<store::TimeMs>(1, std::min(options.lookup_timeout_ms, options.lease_ms / 2));
}

CheckRunner::CheckRunner(store::Store& store, sessions::SessionWorkflow& sessions,
                         registry::RegistryConnector& connector, CheckRunnerOptions options, Clock clock,
                         AnswerSeal seal_answer, registry::RegistryConnector* curp_connector)
    : core_(std::make_shared<Core>(store, sessions, connector, curp_connector, options, std::move(clock),
                                   std::move(seal_answer))) {}

CheckRunner::~CheckRunner() {
  stop();
}

const PipelineMetrics& CheckRunner::metrics() const {
  return core_->metrics;
}

const std::string& CheckRunner::owner() const {
  return core_->owner;
}

void CheckRunner::start() {
  if (core_->options.workers <= 0) {
    return;  // maintenance mode: jobs are accepted and stay pending
  }
  // Before `running`: a job handed over once it is set may be a reading.
  reading_pool_ = std::make_unique<boost::asio::thread_pool>(std::max(1, core_->options.reading_threads));
  {
    std::lock_guard lock(core_->mutex);
    core_->running = true;
  }
  threads_.emplace_back([this] { dispatch_loop(); });
  for (int i = 0; i < core_->options.workers; ++i) {
    threads_.emplace_back([this] { complete_loop(); });
  }
}

void CheckRunner::stop() {
  Core& core = *core_;
  {
    std::lock_guard lock(core.mutex);
    if (core.stopped) {
      return;
    }
    core.stopped = true;
    core.running = false;
  }
  core.dispatcher_wakeup.notify_all();
  if (threads_.empty()) {
    return;
  }
  threads_.front().join();  // the dispatcher: nothing new is claimed from here on
  {
    std::unique_lock lock(core.mutex);
    core.dispatcher_wakeup.wait_for(lock, std::chrono::milliseconds(core.options.stop_wait_ms),
                                    [&] { return core.slots_used == 0; });
    if (!core.in_flight.empty()) {
      // Their answers will be dropped; the jobs' leases expire and they are claimed
      // again (by another node, or by this one after a restart).
      spdlog::info("stopping with {} registry lookups unanswered; their checks run again after the lease",
                   core.in_flight.size());
      core.slots_used -= static_cast<int>(core.in_flight.size());
      core.in_flight.clear();
      core.deadlines.clear();
      core.metrics.lookups_in_flight.set(0);
    }
    core.completers_exit = true;
  }
  // Readings not started are dropped (their jobs are claimed again after the lease);
  // one being read finishes and records its outcome first.
  reading_pool_->stop();
  reading_pool_->join();
  core.completer_wakeup.notify_all();
  for (std::size_t i = 1; i < threads_.size(); ++i) {
    threads_[i].join();  // each writes what is already queued before leaving
  }
  threads_.clear();
}

void CheckRunner::wake() {
  {
    std::lock_guard lock(core_->mutex);
    ++core_->wake_generation;
  }
  core_->dispatcher_wakeup.notify_all();
}

std::optional<store::CheckLease> CheckRunner::reserve() {
  Core& core = *core_;
  std::lock_guard lock(core.mutex);
  if (!core.running || core.slots_used >= core.options.max_in_flight) {
    return std::nullopt;
  }
  ++core.slots_used;
  return store::CheckLease{core.owner, core.clock() + core.options.lease_ms};
}

void CheckRunner::take(store::ClaimedCheck job) {
  {
    std::lock_guard lock(core_->mutex);
    if (!core_->running) {
      --core_->slots_used;  // stopping: the job waits for its lease to end, as those in flight
      core_->dispatcher_wakeup.notify_all();
      return;
    }
  }
  std::vector<store::ClaimedCheck> jobs;
  jobs.push_back(std::move(job));
  start_jobs(std::move(jobs));
}

void CheckRunner::release() {
  {
    std::lock_guard lock(core_->mutex);
    --core_->slots_used;
  }
  core_->dispatcher_wakeup.notify_all();
}

void CheckRunner::start_jobs(std::vector<store::ClaimedCheck> jobs) {
  Core& core = *core_;
  // Copies of what each lookup needs: an answer (possibly inline) erases the entry.
  struct Start {
    std::uint64_t ticket;
    ine::Credential credential;
    bool ine;
    bool curp;
  };
  std::vector<Start> lookups;
  lookups.reserve(jobs.size());
  // Jobs whose credential is read from document images first: they keep their slot
  // until the reading is recorded, and are not in flight (no lookup deadline yet).
  std::vector<store::ClaimedCheck> readings;
  const auto now = SteadyClock::now();
  {
    std::lock_guard lock(core.mutex);
    for (auto& check : jobs) {
      if (check.read_document) {
        readings.push_back(std::move(check));
        continue;
      }
      const std::uint64_t ticket = core.next_ticket++;
      const int awaiting = (check.ine_due ? 1 : 0) + (check.curp_due ? 1 : 0);
      if (awaiting == 0) {
        // Not expected: the write that records a session's last result finishes its
        // job in the same transaction. Written as it is, so the job still ends.
        core.answered.push_back(Core::Answered{std::move(check), {}});
        core.completer_wakeup.notify_one();
        continue;
      }
      lookups.push_back(Start{ticket, check.credential, check.ine_due, check.curp_due});
      auto& entry = core.in_flight[ticket] = Core::InFlight{std::move(check), now, now + core.deadline, awaiting, {}};
      core.deadlines.emplace(entry.deadline, ticket);
    }
    core.metrics.lookups_in_flight.set(static_cast<std::int64_t>(core.in_flight.size()));
  }
  for (auto& check : readings) {
    boost::asio::post(*reading_pool_,
                      [shared = core_, check = std::move(check), now] { shared->read_document(check, now); });
  }
  for (auto& start : lookups) {
    if (start.ine) {
      core.start_lookup(core.connector, start.ticket, Core::Check::kIne, start.credential);
    }
    if (start.curp) {
      core.start_lookup(core.curp_connector, start.ticket, Core::Check::kCurp, start.credential);
    }
  }
}

void CheckRunner::dispatch_loop() {
  Core& core = *core_;
  const auto poll = std::chrono::milliseconds(core.options.poll_ms);
  bool maybe_due = true;  // worth asking the store for due jobs
  // Re-checks take the slots the sessions' own checks leave, at the pace the nodes on
  // the database share; `recheck_allowed_at` is when it last said the next start is
  // allowed (store time: every node's clock), so the dispatcher sleeps until then.
  RecheckPace recheck_pace(core.store, core.options.recheck.rate_per_second);
  bool rechecks_maybe_due = true;
  store::TimeMs recheck_allowed_at = 0;
  const auto recheck_turn = [&] { return rechecks_maybe_due && recheck_allowed_at <= core.clock(); };
  std::unique_lock lock(core.mutex);
  while (core.running) {
    core.expire_overdue(SteadyClock::now());
    const bool rechecks_now = recheck_turn();
    if ((maybe_due || rechecks_now) && core.can_claim()) {
      const int limit = std::min(core.options.batch_size, core.options.max_in_flight - core.slots_used);
      core.slots_used += limit;  // reserved while the claim runs
      // A job queued while the claim runs may be missed by it: its wake must not be.
      const auto wakes_before_claim = core.wake_generation;
      lock.unlock();
      std::vector<store::ClaimedCheck> claimed;
      bool failed = false;
      if (maybe_due) {
        try {
          claimed = core.store.claim_checks(core.owner, core.clock(), core.options.lease_ms, limit);
        } catch (const std::exception& e) {
          // The store is unavailable: nothing was claimed; try again at the next poll.
          core.metrics.store_errors.add();
          spdlog::error("claiming checks failed: {}", e.what());
          failed = true;
        }
      }
      const bool checks_filled = static_cast<int>(claimed.size()) == limit;
      if (rechecks_now && !checks_filled) {
        try {
          auto paced = recheck_pace.claim(core.owner, core.clock(), core.options.lease_ms,
                                          limit - static_cast<int>(claimed.size()));
          // Fewer due than the pace allowed: none left until the poll or a wake.
          rechecks_maybe_due = static_cast<int>(paced.rechecks.size()) == paced.allowed;
          recheck_allowed_at = paced.next_allowed_at;
          std::move(paced.rechecks.begin(), paced.rechecks.end(), std::back_inserter(claimed));
        } catch (const std::exception& e) {
          core.metrics.store_errors.add();
          spdlog::error("claiming re-checks failed: {}", e.what());
          failed = true;
        }
      }
      lock.lock();
      core.slots_used -= limit - static_cast<int>(claimed.size());
      maybe_due = (maybe_due && !failed && checks_filled) || core.wake_generation != wakes_before_claim;
      lock.unlock();
      start_jobs(std::move(claimed));
      lock.lock();
      if (failed) {
        core.dispatcher_wakeup.wait_for(lock, poll, [&] { return !core.running; });
      }
      continue;
    }
    const auto seen = core.wake_generation;
    auto until = SteadyClock::now() + poll;
    if (!core.deadlines.empty()) {
      until = std::min(until, core.deadlines.begin()->first);
    }
    if (rechecks_maybe_due && core.can_claim()) {
      const store::TimeMs recheck_wait_ms = std::max<store::TimeMs>(0, recheck_allowed_at - core.clock());
      until = std::min(until, SteadyClock::now() + std::chrono::milliseconds(recheck_wait_ms));
    }
    const bool woken = core.dispatcher_wakeup.wait_until(lock, until, [&] {
      return !core.running || core.wake_generation != seen || (core.can_claim() && (maybe_due || recheck_turn()));
    });
    if (!woken || core.wake_generation != seen) {
      // A new job, or the poll: retries may have come due, and re-checks been queued.
      maybe_due = true;
      rechecks_maybe_due = true;
    }
  }
}

void CheckRunner::complete_loop() {
  Core& core = *core_;
  std::unique_lock lock(core.mutex);
  while (true) {
    core.completer_wakeup.wait(lock, [&] { return !core.answered.empty() || core.completers_exit; });
    if (core.answered.empty()) {
      return;  // exiting, and nothing left to write
    }
    // Everything queued (up to a batch) goes into one transaction: while one commit
    // waits on fsync, the next batch accumulates.
    std::vector<Core::Answered> batch;
    const auto take = std::min(core.answered.size(), static_cast<std::size_t>(core.options.batch_size));
    batch.reserve(take);
    for (std::size_t i = 0; i < take; ++i) {
      batch.push_back(std::move(core.answered.front()));
      core.answered.pop_front();
    }
    lock.unlock();
    core.write(batch);
    lock.lock();
    core.slots_used -= static_cast<int>(batch.size());
    core.dispatcher_wakeup.notify_all();
  }
}

}  // namespace inereg::checks
