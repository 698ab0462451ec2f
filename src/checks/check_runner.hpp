#pragma once

#include <array>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "checks/document_reading.hpp"
#include "media/image_content.hpp"
#include "metrics/metrics.hpp"
#include "registry/connector.hpp"
#include "sessions/workflow.hpp"
#include "store/store.hpp"

namespace inereg::checks {

// Re-checks of decided sessions ([recheck]; docs/ARCHITECTURE.md, "Re-checks").
struct RecheckOptions {
  // Re-check lookups started per second at most, by all the nodes on the database
  // together (RecheckPace, with bursts of at most a twentieth of that): a due schedule
  // never floods the registry source. Set it the same on every node.
  int rate_per_second = 5;
  // Attempts before a re-check that got no verdict is recorded as "no answer".
  int max_attempts = 5;
  // How often a node looks for sessions whose integration's recheck.interval has passed.
  store::TimeMs sweep_interval_ms = 60'000;
};

struct CheckRunnerOptions {
  // Threads writing outcomes to the store (the completers); 0 = accept jobs but run
  // none. More than one only helps PostgreSQL: SQLite has one writer at a time.
  int workers = 2;
  // Lookups started and not yet written back, at most. Sized for real registries, which
  // answer in 2–7 s (INE, the aggregators) or 5–10 s (Tu Identidad): 4,096 in flight
  // keep ~800 checks/s going at 5 s per answer.
  int max_in_flight = 4'096;
  // Jobs per claim and per completion transaction, at most.
  int batch_size = 128;
  // A job whose node died is taken over after this. Twice the lookup timeout below, so a
  // lookup never outlives its lease.
  store::TimeMs lease_ms = 150'000;
  // A lookup not answered within this is given up (retried later). Capped at half the
  // lease, so a lookup never outlives its lease (see CheckRunner).
  // 60 s: the registry's own lookup budget (registry.lookup_timeout_ms, 45 s) and margin.
  store::TimeMs lookup_timeout_ms = 60'000;
  store::TimeMs poll_ms = 500;  // how often an idle dispatcher looks for due jobs
  store::TimeMs retry_base_ms = 1'000;
  store::TimeMs retry_max_ms = 60'000;
  // stop() waits this long for lookups in flight to answer and be written.
  store::TimeMs stop_wait_ms = 5'000;
  // Threads reading document images (vision.threads): each read is a second or more of
  // CPU in Tesseract, so more threads than spare cores only make every read slower.
  int reading_threads = 1;
  // What the reader may decode: the same limits uploads are held to (media.*), so an
  // image stored before they were lowered is not decoded past them either.
  media::ImageLimits image_limits;
  RecheckOptions recheck;
};

// What the pipeline counts, for GET /metrics. Updated lock-free by the pipeline.
struct PipelineMetrics {
  metrics::Gauge lookups_in_flight;  // lookups started, not answered (or given up) yet
  metrics::Counter attempts;         // lookups started
  metrics::Counter verdicts_active;  // results recorded: active
  metrics::Counter verdicts_inactive;
  metrics::Counter unavailable;  // lookups that produced no verdict (incl. timeouts)
  metrics::Counter timeouts;     // lookups given up at their deadline
  metrics::Counter lost_leases;  // outcomes the store refused: the claim was no longer ours
  metrics::Counter retries;      // next attempts scheduled
  metrics::Counter store_errors;
  metrics::Histogram lookup_seconds{metrics::latency_buckets_seconds()};
  // Checks whose credential was read from document images, by outcome.
  metrics::Counter documents_read;        // an MRZ was read (or typed data stood) and is looked up
  metrics::Counter documents_unreadable;  // decided resubmission_requested: nothing readable
  metrics::Counter documents_mismatch;    // decided resubmission_requested: the MRZ contradicts typed data
  // Unreadable documents by why their first image did not read (vision::ReadFailure).
  std::array<metrics::Counter, vision::kReadFailureKinds> documents_unreadable_by_failure;
  // Re-checks recorded, by what they came to (sessions::RecheckRecorded).
  metrics::Counter rechecks_same_verdict;
  metrics::Counter rechecks_changed_verdict;
  metrics::Counter rechecks_no_answer;
};

// The durable, asynchronous check pipeline.
//
//   dispatcher thread: claims due jobs in batches (Store::claim_checks, one
//     transaction) under a lease, while fewer than max_in_flight are in flight, and
//     starts a RegistryConnector::lookup for each without waiting for it;
//   connector: answers on any thread (or inline); the answer is queued for writing;
//   completer threads: take every queued answer (up to batch_size) and write the
//     verdicts with SessionWorkflow::complete_checks and the rest with retry_checks, one
//     transaction each: group commit, one fsync for many checks.
//
// Re-checks: the dispatcher also claims due re-checks of decided sessions when slots are
//   free after the sessions' own checks, through RecheckPace: no faster than
//   options.recheck.rate_per_second across every node on the database; their answers are recorded with
//   SessionWorkflow::complete_rechecks, and one without a verdict is retried like a
//   check until options.recheck.max_attempts, then recorded as no answer.
//
// Several checks per job (issue 16): a session may get the INE check, the CURP check or
//   both (ClaimedCheck::ine_due / curp_due: those still without a result). The job's
//   lookups run at once, each through its own connector, and are written together; a
//   check that answered is recorded even when the other did not (the job is then
//   retried for the missing one only), so an outage of one source never holds back or
//   repeats the other's result.
//
// Jobs handed over (sessions::CheckIntake): a submit with a slot free writes its job
//   already claimed by this runner and hands it over after its commit; it starts like a
//   claimed job, without a claim transaction or a wake of the dispatcher. What the
//   dispatcher claims are the jobs queued without a slot, retries, and other nodes'
//   expired leases.
//
// Document reading: a claimed job marked ClaimedCheck::read_document is not looked up;
//   it is posted to a pool of reading threads (options.reading_threads), which reads the session's
//   document images (vision::MrzReader) and records the outcome under the claim
//   (SessionWorkflow::record_reading): the credential read is stored and the job released
//   for an immediate lookup, or the session is decided resubmission_requested.
//
// Exactly once: every write is guarded by the claim (owner + attempt count), so only
// the current holder of a job's lease can finish it, once. A failure is never a
// verdict: it is retried with exponential backoff and jitter, at least
// LookupOutcome::retry_after_ms later. A lookup never outlives its lease: one not
// answered within min(lookup_timeout_ms, lease_ms / 2) is given up and retried, its
// late answer ignored, leaving half the lease to write the retry. Memory is bounded:
// a job holds one of max_in_flight slots from its claim until its outcome is written.
//
// Thread-safe; start() once, stop() once. The connector must outlive the runner only
// until stop() returns: a lookup answering later is ignored safely.
class CheckRunner final : public sessions::CheckIntake {
 public:
  using Clock = std::function<store::TimeMs()>;
  // Seals a verdict's registry answer (LookupOutcome::answer) for the session's result
  // row (auth::AnswerBox::seal); called on completer threads.
  using AnswerSeal = std::function<std::string(std::string_view session_id, std::string_view answer)>;
  // Claims and reads through `store`; records every outcome through `sessions`, with
  // the answering source and the INE answer sealed by `seal_answer` (none kept when
  // empty). `connector` answers INE lookups, `curp_connector` CURP lookups (without one,
  // a CURP check never gets a verdict and stays pending).
  CheckRunner(store::Store& store, sessions::SessionWorkflow& sessions, registry::RegistryConnector& connector,
              CheckRunnerOptions options, Clock clock, AnswerSeal seal_answer = {},
              registry::RegistryConnector* curp_connector = nullptr);
  ~CheckRunner() override;
  CheckRunner(const CheckRunner&) = delete;
  CheckRunner& operator=(const CheckRunner&) = delete;

  void start();
  // Stops claiming; waits up to stop_wait_ms for the lookups in flight to answer and
  // their outcomes to be written; abandons the rest (their leases expire and another
  // node, or the next start, takes them over), then joins the threads.
  void stop();
  // A job was queued: the dispatcher looks now instead of at its next poll.
  void wake() override;

  // sessions::CheckIntake: a slot and a lease of this runner while it runs and has a
  // slot free; the job committed under it starts at once. A job handed over after
  // stop() began is left to its lease (claimed again when it ends), as stop() leaves
  // the jobs in flight.
  std::optional<store::CheckLease> reserve() override;
  void take(store::ClaimedCheck job) override;
  void release() override;

  const PipelineMetrics& metrics() const;
  // The lease owner this runner writes into check_jobs (one per runner).
  const std::string& owner() const;

  // The effective per-lookup deadline: min(lookup_timeout_ms, lease_ms / 2).
  static store::TimeMs lookup_deadline_ms(const CheckRunnerOptions& options);

 private:
  struct Core;
  void dispatch_loop();
  void complete_loop();
  // Starts jobs claimed (or handed over) whose slots are counted: readings go to the
  // reading pool, the others' lookups start. Takes the core's mutex itself.
  void start_jobs(std::vector<store::ClaimedCheck> jobs);

  std::shared_ptr<Core> core_;  // shared with connector callbacks that may answer late
  std::vector<std::thread> threads_;
  // Document readings: Tesseract calls of a fraction of a second to a second or two of
  // CPU each, kept off the HTTP I/O threads and off the dispatcher. While started.
  std::unique_ptr<boost::asio::thread_pool> reading_pool_;
};

}  // namespace inereg::checks
