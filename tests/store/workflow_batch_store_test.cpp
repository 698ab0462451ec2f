// Concurrent submits, starts and uploads (SessionWorkflow::submit, start, add_media) on
// both backends. On PostgreSQL, calls that arrive while one of their kind runs share the
// next transaction of batch statements (Store::workflow_batch_limit): each must still get
// the outcome it would have had alone, a bad one must fail alone, and a batch of submits
// must cost the statements of one. On SQLite each call runs alone (its commits are
// grouped instead); the outcomes are the same.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backend_store_test.hpp"
#include "registry/registry_file.hpp"

namespace inereg::store {
namespace {

using Outcome = sessions::SubmitResult::Outcome;

// What a submit call came to: its outcome, or that it threw.
struct Called {
  std::optional<Outcome> outcome;
  bool threw = false;
};

class WorkflowBatchStoreTest : public BackendStoreTest {
 protected:
  void SetUp() override {
    open_store(WebhookUrls{.decision = "http://127.0.0.1:9/decision", .event = "http://127.0.0.1:9/event", .ine = ""});
    if (IsSkipped()) {
      return;
    }
    add_integration("i2", "other");
    ASSERT_EQ(batched(), GetParam() == "postgres");
  }

  bool batched() const { return store_->workflow_batch_limit() > 0; }

  // An INE session of `integration`; `typed`: with a credential to look up.
  void add_session(const std::string& id, bool typed, const std::string& integration = "i1") {
    Session s;
    s.id = id;
    s.integration_id = integration;
    s.ine_document = true;
    if (typed) {
      s.credential = synthetic_.next().credential;
    }
    s.created_at = kT0;
    sessions_->create(s);
  }

  void add_document_back(const std::string& session_id) {
    const auto tx = store_->begin_write();
    tx->insert_media(Media{"m-" + session_id, session_id, "document-back", "image/jpeg", 3, std::string(64, '0'), kT0},
                     "abc");
    tx->commit();
  }

  // Runs gate_call (a call of `kind` on session "gate"), then call_one(i) for each
  // i < count, each from its own thread. Where the store batches, the gate's call is
  // held at that session's lock while the others queue behind it one by one, in order,
  // so that they then run as one batch; batches_run_ counts the batches run meanwhile.
  void together(sessions::SessionWorkflow::Batched kind, std::size_t count,
                const std::function<void(std::size_t)>& call_one, const std::function<void()>& gate_call) {
    std::vector<std::thread> callers;
    if (!batched()) {
      gate_call();  // first, as where it is held: the same state either way
      for (std::size_t i = 0; i < count; ++i) {
        callers.emplace_back(call_one, i);
      }
    } else {
      auto gate = store_->begin_write();
      EXPECT_TRUE(gate->lock_session("gate"));
      const auto before = sessions_->batching(kind).done.batches;
      callers.emplace_back(gate_call);
      wait_until([&] { return sessions_->batching(kind).queued == 0 && store_locks_waiting() == 1; });
      for (std::size_t i = 0; i < count; ++i) {
        callers.emplace_back(call_one, i);
        wait_until([&] { return sessions_->batching(kind).queued == i + 1; });
      }
      gate->commit();
      gate.reset();
      for (auto& caller : callers) {
        caller.join();
      }
      batches_run_ = sessions_->batching(kind).done.batches - before;
      return;
    }
    for (auto& caller : callers) {
      caller.join();
    }
  }

  // Submits `ids` as integration i1, together.
  std::vector<Called> submit_together(const std::vector<std::string>& ids) {
    std::vector<Called> called(ids.size());
    together(
        sessions::SessionWorkflow::Batched::kSubmit, ids.size(),
        [&](std::size_t i) {
          try {
            called[i].outcome = sessions_->submit(ids[i], "attempt-" + std::to_string(i), kT0 + 10, "i1").outcome;
          } catch (const StoreError&) {
            called[i].threw = true;
          }
        },
        [&] { gate_outcome_ = sessions_->submit("gate", "g", kT0 + 10, "i1").outcome; });
    return called;
  }

  // PostgreSQL: backends of the test's database waiting for a lock.
  int store_locks_waiting() {
    const auto rows = testing::PgConnection(testing::with_database(admin_url_, database_))
                          .rows(
                              "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                              "AND wait_event_type = 'Lock'");
    return std::stoi(rows.at(0).at(0).value());
  }

  static void wait_until(const std::function<bool()>& condition) {
    for (int i = 0; i < 20'000 && !condition(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(condition());
  }

  std::vector<WebhookKind> deliveries_of(const std::string& session_id) {
    std::vector<WebhookKind> kinds;
    for (const auto& delivery : store_->list_webhook_deliveries(
             DeliveryFilter{.session_id = session_id, .state = std::nullopt, .limit = 100})) {
      kinds.push_back(delivery.kind);
    }
    std::sort(kinds.begin(), kinds.end());
    return kinds;
  }

  registry::SyntheticRegistry synthetic_{77};
  std::optional<Outcome> gate_outcome_;  // the gate's submit
  std::int64_t batches_run_ = 0;
};

TEST_P(WorkflowBatchStoreTest, ConcurrentSubmitsEachGetTheOutcomeTheyWouldHaveAlone) {
  add_session("gate", true);
  add_session("typed-1", true);
  add_session("typed-2", true);
  add_session("card", false);
  add_document_back("card");
  add_session("bare", false);  // nothing to look up, nothing to read
  add_session("theirs", true, "i2");
  add_session("done", true);
  ASSERT_EQ(sessions_->submit("done", "d", kT0 + 1).outcome, Outcome::kSubmitted);
  add_session("twice", true);

  const std::vector<std::string> ids{"typed-1", "typed-2", "card",  "bare",   "theirs",
                                     "done",    "twice",   "twice", "missing"};
  const auto called = submit_together(ids);
  std::vector<Outcome> outcomes;
  for (const auto& call : called) {
    ASSERT_FALSE(call.threw);
    outcomes.push_back(*call.outcome);
  }
  // "twice": whichever of its two submits came first is submitted, the other refused.
  EXPECT_EQ(std::vector<Outcome>(outcomes.begin(), outcomes.begin() + 6),
            (std::vector<Outcome>{Outcome::kSubmitted, Outcome::kSubmitted, Outcome::kSubmitted, Outcome::kSubmitted,
                                  Outcome::kNotFound, Outcome::kNotAllowed}));
  EXPECT_EQ(std::count(outcomes.begin() + 6, outcomes.begin() + 8, Outcome::kSubmitted), 1);
  EXPECT_EQ(std::count(outcomes.begin() + 6, outcomes.begin() + 8, Outcome::kNotAllowed), 1);
  EXPECT_EQ(outcomes[8], Outcome::kNotFound);
  EXPECT_EQ(gate_outcome_, Outcome::kSubmitted);
  if (batched()) {
    EXPECT_EQ(batches_run_, 2) << "the gate alone, then the nine calls queued behind it";
  }

  for (const auto* id : {"typed-1", "typed-2", "card", "twice"}) {
    const auto session = store_->find_session(id);
    EXPECT_EQ(session->status, "submitted") << id;
    EXPECT_EQ(session->submitted_at, kT0 + 10) << id;
    EXPECT_FALSE(session->attempt_id.empty()) << id;
    EXPECT_EQ(deliveries_of(id), std::vector<WebhookKind>{WebhookKind::kEvent}) << id;
  }
  const auto bare = store_->find_session("bare");
  EXPECT_EQ(bare->status, "resubmission_requested");
  EXPECT_EQ(bare->decided_at, kT0 + 10);
  EXPECT_EQ(deliveries_of("bare"), (std::vector<WebhookKind>{WebhookKind::kDecision, WebhookKind::kEvent}));
  EXPECT_EQ(store_->find_session("theirs")->status, "created");
  EXPECT_TRUE(deliveries_of("theirs").empty());
  EXPECT_EQ(store_->find_session("done")->submitted_at, kT0 + 1);

  // One job per submitted session that can be checked; the card's reads its image first.
  std::vector<std::string> jobs;
  for (const auto& job : store_->claim_checks("w", kT0 + 20, kLease, 50)) {
    jobs.push_back(job.session_id + (job.read_document ? ":read" : ""));
  }
  std::sort(jobs.begin(), jobs.end());
  EXPECT_EQ(jobs, (std::vector<std::string>{"card:read", "done", "gate", "twice", "typed-1", "typed-2"}));
}

// A submit that cannot be written (its job's row exists already) fails its batch; each
// call then runs alone, so only its own caller gets the error.
TEST_P(WorkflowBatchStoreTest, ABadSubmitFailsAloneAndTheOthersAreStored) {
  add_session("gate", true);
  for (const auto* id : {"first", "bad", "last"}) {
    add_session(id, true);
  }
  {
    const auto tx = store_->begin_write();
    tx->insert_check_jobs(std::vector<NewCheckJob>{{"bad", kT0, false, nullptr}});
    tx->commit();
  }
  const auto called = submit_together({"first", "bad", "last"});
  EXPECT_EQ(called[0].outcome, Outcome::kSubmitted);
  EXPECT_TRUE(called[1].threw);
  EXPECT_EQ(called[2].outcome, Outcome::kSubmitted);
  EXPECT_EQ(store_->find_session("first")->status, "submitted");
  EXPECT_EQ(store_->find_session("bad")->status, "created");
  EXPECT_TRUE(deliveries_of("bad").empty());
  EXPECT_EQ(store_->find_session("last")->status, "submitted");
  if (batched()) {
    EXPECT_EQ(sessions_->batching(sessions::SessionWorkflow::Batched::kSubmit).done.failed_batches, 1);
  }
}

TEST_P(WorkflowBatchStoreTest, ConcurrentStartsEachGetTheOutcomeTheyWouldHaveAlone) {
  using sessions::StartOutcome;
  for (const auto* id : {"gate", "a", "b", "visited", "twice", "sent"}) {
    add_session(id, true);
  }
  ASSERT_EQ(sessions_->start("visited", "v", kT0 + 1), StartOutcome::kStarted);
  ASSERT_EQ(sessions_->submit("sent", "s", kT0 + 1).outcome, Outcome::kSubmitted);
  const std::vector<std::string> ids{"a", "b", "visited", "twice", "twice", "sent", "missing"};
  std::vector<StartOutcome> outcomes(ids.size());
  std::optional<StartOutcome> gate;
  together(
      sessions::SessionWorkflow::Batched::kStart, ids.size(),
      [&](std::size_t i) { outcomes[i] = sessions_->start(ids[i], "attempt-" + std::to_string(i), kT0 + 10); },
      [&] { gate = sessions_->start("gate", "g", kT0 + 10); });
  EXPECT_EQ(std::vector<StartOutcome>(outcomes.begin(), outcomes.begin() + 3),
            (std::vector<StartOutcome>{StartOutcome::kStarted, StartOutcome::kStarted, StartOutcome::kNotAllowed}));
  EXPECT_EQ(std::count(outcomes.begin() + 3, outcomes.begin() + 5, StartOutcome::kStarted), 1);
  EXPECT_EQ(std::count(outcomes.begin() + 3, outcomes.begin() + 5, StartOutcome::kNotAllowed), 1);
  EXPECT_EQ(outcomes[5], StartOutcome::kNotAllowed);
  EXPECT_EQ(outcomes[6], StartOutcome::kNotFound);
  EXPECT_EQ(gate, StartOutcome::kStarted);
  if (batched()) {
    EXPECT_EQ(batches_run_, 2) << "the gate alone, then the seven calls queued behind it";
  }
  EXPECT_EQ(store_->find_session("a")->attempt_id, "attempt-0");
  EXPECT_EQ(store_->find_session("b")->attempt_id, "attempt-1");
  EXPECT_EQ(store_->find_session("visited")->attempt_id, "v");
  for (const auto* id : {"a", "b", "twice", "visited"}) {
    EXPECT_EQ(store_->find_session(id)->status, "started") << id;
    EXPECT_EQ(deliveries_of(id), std::vector<WebhookKind>{WebhookKind::kEvent}) << id << ": one `started` event";
  }
  EXPECT_EQ(store_->find_session("sent")->status, "submitted");
}

TEST_P(WorkflowBatchStoreTest, ConcurrentUploadsKeepEachSessionsLimitsAndStatus) {
  for (const auto* id : {"gate", "a", "b", "sent"}) {
    add_session(id, true);
  }
  ASSERT_EQ(sessions_->submit("sent", "s", kT0 + 1).outcome, Outcome::kSubmitted);
  const MediaLimits limits{.max_files_per_session = 2, .max_bytes_per_session = 1'000};
  const auto media_of = [](const std::string& session_id, std::size_t i, std::int64_t size) {
    return Media{"m" + std::to_string(i), session_id, "document-front", "image/jpeg", size, std::string(64, '0'), kT0};
  };
  // a: three files, the third over its count; b: one file too large after a first.
  const std::vector<Media> uploads{media_of("a", 0, 10),      media_of("a", 1, 10), media_of("b", 2, 600),
                                   media_of("b", 3, 600),     media_of("a", 4, 10), media_of("sent", 5, 10),
                                   media_of("missing", 6, 10)};
  std::vector<sessions::MediaOutcome> outcomes(uploads.size());
  const Media gate_media = media_of("gate", 99, 10);
  std::optional<sessions::MediaOutcome> gate;
  together(
      sessions::SessionWorkflow::Batched::kMedia, uploads.size(),
      [&](std::size_t i) {
        outcomes[i] =
            sessions_->add_media(uploads[i], std::string(static_cast<std::size_t>(uploads[i].size), 'x'), limits);
      },
      [&] { gate = sessions_->add_media(gate_media, std::string(10, 'x'), limits); });
  using sessions::MediaOutcome;
  EXPECT_EQ(outcomes[5], MediaOutcome::kSessionNotUploadable);
  EXPECT_EQ(outcomes[6], MediaOutcome::kSessionNotFound);
  const std::vector<MediaOutcome> for_a{outcomes[0], outcomes[1], outcomes[4]};
  const std::vector<MediaOutcome> for_b{outcomes[2], outcomes[3]};
  EXPECT_EQ(std::count(for_a.begin(), for_a.end(), MediaOutcome::kStored), 2);
  EXPECT_EQ(std::count(for_a.begin(), for_a.end(), MediaOutcome::kLimitReached), 1);
  EXPECT_EQ(std::count(for_b.begin(), for_b.end(), MediaOutcome::kStored), 1);
  EXPECT_EQ(std::count(for_b.begin(), for_b.end(), MediaOutcome::kLimitReached), 1);
  if (batched()) {
    // Queued in order: the batch judges them in order.
    EXPECT_EQ(outcomes,
              (std::vector<MediaOutcome>{MediaOutcome::kStored, MediaOutcome::kStored, MediaOutcome::kStored,
                                         MediaOutcome::kLimitReached, MediaOutcome::kLimitReached,
                                         MediaOutcome::kSessionNotUploadable, MediaOutcome::kSessionNotFound}));
    EXPECT_EQ(gate, MediaOutcome::kStored);
    EXPECT_EQ(batches_run_, 2) << "the gate alone, then the seven calls queued behind it";
  }
  EXPECT_EQ(store_->list_media("a").size(), 2U);
  EXPECT_EQ(store_->list_media("b").size(), 1U);
  EXPECT_TRUE(store_->list_media("sent").empty());
}

// The DELETE allowance counts the deletions of the batch's earlier calls, and a session
// deleted by one call is not found by the next.
TEST_P(WorkflowBatchStoreTest, ConcurrentDeletesKeepTheRateLimitAcrossTheBatch) {
  using DeleteOutcome = sessions::DeleteResult::Outcome;
  for (const auto* id : {"gate", "earlier", "dup", "a", "b", "c", "sent", "late"}) {
    add_session(id, true);
  }
  add_session("theirs", true, "i2");
  ASSERT_EQ(sessions_->submit("sent", "s", kT0 + 1).outcome, Outcome::kSubmitted);
  const DeleteRateLimit limit{.per_hour = 4, .per_day = 10};
  ASSERT_EQ(sessions_->delete_session("earlier", "i1", limit, kT0 + 1).outcome, DeleteOutcome::kDeleted);
  // With "earlier" and the gate, two of the hour's four are used.
  const std::vector<std::string> ids{"dup", "dup", "a", "b", "c", "sent", "theirs", "missing"};
  std::vector<sessions::DeleteResult> results(ids.size());
  std::optional<DeleteOutcome> gate;
  together(
      sessions::SessionWorkflow::Batched::kDelete, ids.size(),
      [&](std::size_t i) { results[i] = sessions_->delete_session(ids[i], "i1", limit, kT0 + 10); },
      [&] { gate = sessions_->delete_session("gate", "i1", limit, kT0 + 10).outcome; });
  EXPECT_EQ(gate, DeleteOutcome::kDeleted);
  std::vector<DeleteOutcome> outcomes;
  for (const auto& result : results) {
    outcomes.push_back(result.outcome);
    if (result.outcome == DeleteOutcome::kRateLimited) {
      EXPECT_EQ(result.retry_at, kT0 + 1 + DeleteRateLimit::kHourMs) << "when \"earlier\" leaves the hour";
    }
  }
  EXPECT_EQ(
      std::vector<DeleteOutcome>(outcomes.begin() + 5, outcomes.end()),
      (std::vector<DeleteOutcome>{DeleteOutcome::kNotDeletable, DeleteOutcome::kNotFound, DeleteOutcome::kNotFound}));
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.begin() + 5, DeleteOutcome::kDeleted), 2);
  if (batched()) {
    EXPECT_EQ(std::vector<DeleteOutcome>(outcomes.begin(), outcomes.begin() + 5),
              (std::vector<DeleteOutcome>{DeleteOutcome::kDeleted, DeleteOutcome::kNotFound, DeleteOutcome::kDeleted,
                                          DeleteOutcome::kRateLimited, DeleteOutcome::kRateLimited}));
    EXPECT_EQ(batches_run_, 2) << "the gate alone, then the eight calls queued behind it";
  }
  int left = 0;
  for (const auto* id : {"dup", "a", "b", "c"}) {
    left += store_->find_session(id) ? 1 : 0;
  }
  EXPECT_EQ(left, 2);
  EXPECT_TRUE(store_->find_session("sent"));
  EXPECT_TRUE(store_->find_session("theirs"));
  // Each deleted session, created and never decided, sent its decision (expired).
  for (const auto* id : {"gate", "earlier"}) {
    EXPECT_EQ(deliveries_of(id), std::vector<WebhookKind>{WebhookKind::kDecision}) << id;
  }
  // The hour is full now, for every node.
  EXPECT_EQ(sessions_->delete_session("late", "i1", limit, kT0 + 20).outcome, DeleteOutcome::kRateLimited);
}

// PostgreSQL: a batch of submits runs the statements one submit runs, whatever its
// size: one round trip each, and one commit. Counted with pg_stat_statements, which
// scripts/pg-test-server.sh loads; on a server that does not load it the test skips.
TEST_P(WorkflowBatchStoreTest, ABatchOfSubmitsCostsTheStatementsOfOne) {
  if (!batched()) {
    GTEST_SKIP() << "SQLite's submits are not batched: its statements are in-process";
  }
  testing::PgConnection database(testing::with_database(admin_url_, database_));
  const auto preloaded = database.rows("SHOW shared_preload_libraries");
  if (preloaded.at(0).at(0).value_or("").find("pg_stat_statements") == std::string::npos) {
    GTEST_SKIP() << "the server does not load pg_stat_statements (scripts/pg-test-server.sh does)";
  }
  database.rows("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  const auto reset = [&] {
    database.rows(
        "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)");
  };
  // The statements this database ran since the last reset, the tests' own reads of
  // pg_stat_* aside.
  const auto statements = [&] {
    const auto counted = database.rows(
        "SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
        "WHERE datname = current_database()) AND query NOT LIKE '%pg_stat%'");
    return std::stol(counted.at(0).at(0).value());
  };
  add_session("gate", true);
  add_session("one", true);
  std::vector<std::string> ids;
  for (int i = 0; i < 16; ++i) {
    ids.push_back("s" + std::to_string(i));
    add_session(ids.back(), true);
  }
  reset();
  ASSERT_EQ(sessions_->submit("one", "a", kT0 + 1, "i1").outcome, Outcome::kSubmitted);
  const long one = statements();
  EXPECT_GE(one, 7) << "BEGIN, lock, images, update, job, webhook URLs, delivery, COMMIT";

  reset();
  for (const auto& call : submit_together(ids)) {
    EXPECT_EQ(call.outcome, Outcome::kSubmitted);
  }
  ASSERT_EQ(batches_run_, 2);
  // The gate's batch and the batch of 16 cost one submit each; the test's holding
  // transaction ran BEGIN, its lock and COMMIT.
  EXPECT_EQ(statements(), 2 * one + 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, WorkflowBatchStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace inereg::store
