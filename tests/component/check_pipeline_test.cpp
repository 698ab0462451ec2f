// The check pipeline (checks::CheckRunner) against a real store (the backend
// INEREG_TEST_BACKEND picks) and a connector that answers from its own event loop after
// a delay, as a remote registry does.
#include <gtest/gtest.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <map>

#include "checks/check_runner.hpp"
#include "ine/situation.hpp"
#include "registry/registry_file.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "support/timed_connector.hpp"
#include "support/wait_until.hpp"

namespace inereg::checks {
namespace {

using std::chrono::milliseconds;
using testing::TimedConnector;

constexpr store::TimeMs kT0 = 1'700'000'000'000;
constexpr auto kDeadline = std::chrono::seconds(60);

class CheckPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);  // one info line per completed check otherwise
    store_ = store::open_store(database_.url());
    sessions_ = std::make_unique<sessions::SessionWorkflow>(*store_, nullptr);
    store::Integration integration;
    integration.id = "i1";
    integration.name = "acme";
    integration.api_key = "key-i1";
    integration.created_at = kT0;
    store_->create_integration(integration, "sealed");
  }
  void TearDown() override { spdlog::set_level(spdlog::level::info); }

  // Creates an INE session `id` looking up `credential`, and submits it.
  sessions::SubmitResult::Outcome create_and_submit(const std::string& id, const ine::Credential& credential) {
    store::Session s;
    s.id = id;
    s.integration_id = "i1";
    s.ine_document = true;
    s.credential = credential;
    s.created_at = kT0;
    sessions_->create(s);
    return sessions_->submit(s.id, "a", kT0).outcome;
  }

  // `count` registry rows for sessions s0, s1, … (not created yet).
  std::map<std::string, registry::RegistryRow> next_rows(int count) {
    std::map<std::string, registry::RegistryRow> rows;
    for (int i = 0; i < count; ++i) {
      rows.emplace("s" + std::to_string(i), synthetic_.next());
    }
    return rows;
  }

  // Submits `count` sessions with registry records; returns session id -> row.
  std::map<std::string, registry::RegistryRow> submit(int count) {
    std::map<std::string, registry::RegistryRow> rows;
    for (int i = 0; i < count; ++i) {
      const auto row = synthetic_.next();
      const std::string id = "s" + std::to_string(next_id_++);
      EXPECT_EQ(create_and_submit(id, row.credential), sessions::SubmitResult::Outcome::kSubmitted);
      rows.emplace(id, row);
    }
    return rows;
  }

  static std::shared_ptr<std::unordered_map<std::string, int>> table_of(
      const std::map<std::string, registry::RegistryRow>& rows) {
    auto table = std::make_shared<std::unordered_map<std::string, int>>();
    for (const auto& [id, row] : rows) {
      const auto entry = registry::to_registry_entry(row);
      (*table)[entry.lookup_key] = entry.situation;
    }
    return table;
  }

  std::int64_t count(const std::string& sql) const { return database_.query_int(sql); }

  testing::TempDir dir_;
  testing::TestDatabase database_{dir_ / "pipeline.db"};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<sessions::SessionWorkflow> sessions_;
  registry::SyntheticRegistry synthetic_{90'210};
  int next_id_ = 0;
};

// Many slow lookups run at once, never more than max_in_flight; each check completes
// once with its registry verdict.
TEST_F(CheckPipelineTest, ManySlowLookupsRunAtOnceWithinTheInFlightBound) {
  constexpr int kChecks = 150;
  const auto rows = submit(kChecks);
  TimedConnector connector(testing::delayed_table(milliseconds(100), table_of(rows)));
  CheckRunnerOptions options;
  options.max_in_flight = 24;
  options.batch_size = 8;
  options.poll_ms = 20;
  CheckRunner runner(*store_, *sessions_, connector, options, [] { return kT0; });
  runner.start();
  ASSERT_TRUE(testing::wait_until([&] { return store_->pending_check_count() == 0; }, kDeadline, "no pending check"))
      << store_->pending_check_count() << " still pending";
  runner.stop();

  // Asynchronous: far more lookups waited at once than the pipeline has threads, and
  // never more than the bound.
  EXPECT_GT(connector.peak_waiting(), options.workers + 1);
  EXPECT_LE(connector.peak_waiting(), options.max_in_flight);
  EXPECT_EQ(connector.started(), kChecks);
  int active = 0;
  for (const auto& [id, row] : rows) {
    const auto answer = store_->find_ine_answer(id);
    ASSERT_TRUE(answer && answer->result) << id;
    const auto policy = ine::policy_for_situation(row.situation);
    ASSERT_TRUE(policy);
    EXPECT_EQ(answer->result->active, policy->active) << id;
    EXPECT_EQ(answer->result->situation, row.situation) << id;
    EXPECT_EQ(answer->status, policy->active ? "approved" : "declined") << id;
    active += policy->active ? 1 : 0;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM ine_results"), kChecks);
  EXPECT_EQ(count("SELECT COUNT(*) FROM check_jobs WHERE attempts <> 1"), 0);
  const auto& m = runner.metrics();
  EXPECT_EQ(m.attempts.value(), kChecks);
  EXPECT_EQ(m.verdicts_active.value(), active);
  EXPECT_EQ(m.verdicts_inactive.value(), kChecks - active);
  EXPECT_EQ(m.unavailable.value() + m.lost_leases.value() + m.retries.value() + m.store_errors.value(), 0);
  EXPECT_EQ(m.lookups_in_flight.value(), 0);
  EXPECT_EQ(m.lookup_seconds.snapshot().count, kChecks);
}

// A submit with a slot free hands its job over claimed: the lookup starts on the
// submitting thread before submit() returns, with no claim (the dispatcher, whose poll is
// a minute, is never woken), and the job completes as attempt 1 under this runner's lease.
TEST_F(CheckPipelineTest, SubmitsHandTheirJobsOverClaimedWithoutTheDispatcher) {
  const auto rows = next_rows(5);
  TimedConnector connector(testing::delayed_table(milliseconds(300), table_of(rows)));
  CheckRunnerOptions options;
  options.poll_ms = 60'000;
  options.lease_ms = 30'000;
  CheckRunner runner(*store_, *sessions_, connector, options, [] { return kT0; });
  sessions_->set_check_intake(&runner);
  runner.start();
  int submitted = 0;
  for (const auto& [id, row] : rows) {
    ASSERT_EQ(create_and_submit(id, row.credential), sessions::SubmitResult::Outcome::kSubmitted);
    EXPECT_EQ(connector.started(), ++submitted);  // started by submit() itself
    EXPECT_EQ(
        count("SELECT COUNT(*) FROM check_jobs WHERE session_id = '" + id + "' AND attempts = 1 AND lease_owner = '" +
              runner.owner() + "' AND lease_until = " + std::to_string(kT0 + options.lease_ms)),
        1);
  }
  ASSERT_TRUE(testing::wait_until([&] { return store_->pending_check_count() == 0; }, kDeadline, "no pending check"));
  runner.stop();
  sessions_->set_check_intake(nullptr);
  for (const auto& [id, row] : rows) {
    const auto answer = store_->find_ine_answer(id);
    ASSERT_TRUE(answer && answer->result) << id;
    EXPECT_EQ(answer->result->situation, row.situation) << id;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM check_jobs WHERE state = 'done' AND attempts = 1"), 5);
  EXPECT_EQ(runner.metrics().attempts.value(), 5);
  EXPECT_EQ(runner.metrics().lost_leases.value(), 0);
}

// With every slot taken a submit queues its job due and unclaimed, and the dispatcher
// claims it when a slot frees. Before start() and after stop() nothing is handed over.
TEST_F(CheckPipelineTest, ASubmitWithNoSlotFreeQueuesItsJobForTheDispatcher) {
  const auto rows = next_rows(3);
  TimedConnector connector(testing::delayed_table(milliseconds(400), table_of(rows)));
  CheckRunnerOptions options;
  options.max_in_flight = 1;
  options.poll_ms = 60'000;
  CheckRunner runner(*store_, *sessions_, connector, options, [] { return kT0; });
  sessions_->set_check_intake(&runner);
  const auto submit_one = [&](const std::string& id) { return create_and_submit(id, rows.at(id).credential); };
  const auto unclaimed = [&](const std::string& id) {
    return count("SELECT COUNT(*) FROM check_jobs WHERE session_id = '" + id +
                 "' AND state = 'pending' AND attempts = 0 AND lease_owner IS NULL");
  };
  ASSERT_EQ(submit_one("s0"), sessions::SubmitResult::Outcome::kSubmitted);  // not started: queued
  EXPECT_EQ(unclaimed("s0"), 1);
  runner.start();
  ASSERT_TRUE(testing::wait_until([&] { return connector.started() == 1; }, kDeadline, "s0 claimed"));
  ASSERT_EQ(submit_one("s1"), sessions::SubmitResult::Outcome::kSubmitted);  // s0 holds the one slot
  EXPECT_EQ(unclaimed("s1"), 1);
  EXPECT_EQ(connector.started(), 1);
  ASSERT_TRUE(testing::wait_until([&] { return store_->pending_check_count() == 0; }, kDeadline, "no pending check"));
  EXPECT_EQ(connector.started(), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM check_jobs WHERE state = 'done' AND attempts = 1"), 2);
  runner.stop();
  ASSERT_EQ(submit_one("s2"), sessions::SubmitResult::Outcome::kSubmitted);
  sessions_->set_check_intake(nullptr);
  EXPECT_EQ(unclaimed("s2"), 1);
  EXPECT_EQ(connector.started(), 2);
}

// A lookup not answered by its deadline is given up and retried; its late answer is
// dropped, so the verdict is the retry's.
TEST_F(CheckPipelineTest, LookupPastItsDeadlineIsRetriedAndItsLateAnswerIgnored) {
  submit(1);
  std::atomic<int> calls = 0;
  TimedConnector connector([&](const registry::Lookup&) {
    if (calls.fetch_add(1) == 0) {
      return TimedConnector::Reply{milliseconds(1'500), testing::verdict(ine::kSituationVigente)};
    }
    return TimedConnector::Reply{milliseconds(0), testing::verdict(ine::kSituationNotFound)};
  });
  CheckRunnerOptions options;
  options.lookup_timeout_ms = 200;
  options.lease_ms = 60'000;
  options.retry_base_ms = 1;  // the clock below moves on, so the retry is due at once
  options.poll_ms = 20;
  std::atomic<store::TimeMs> now = kT0;
  CheckRunner runner(*store_, *sessions_, connector, options, [&] { return now += 10; });
  runner.start();
  ASSERT_TRUE(testing::wait_until([&] { return store_->pending_check_count() == 0; }, kDeadline, "no pending check"));
  // Let the first, late answer arrive: it must change nothing.
  ASSERT_TRUE(testing::wait_until([&] { return connector.answered() == 2; }, kDeadline, "both lookups answered"));
  runner.stop();

  const auto answer = store_->find_ine_answer("s0");
  ASSERT_TRUE(answer && answer->result);
  EXPECT_FALSE(answer->result->active);
  EXPECT_EQ(answer->result->situation, ine::kSituationNotFound);
  EXPECT_EQ(count("SELECT attempts FROM check_jobs WHERE session_id = 's0'"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ine_results"), 1);
  EXPECT_EQ(runner.metrics().timeouts.value(), 1);
  EXPECT_EQ(runner.metrics().retries.value(), 1);
  EXPECT_EQ(runner.metrics().verdicts_inactive.value(), 1);
  EXPECT_EQ(runner.metrics().verdicts_active.value(), 0);
  EXPECT_EQ(runner.metrics().lost_leases.value(), 0);
}

TEST_F(CheckPipelineTest, LookupDeadlineIsCappedAtHalfTheLease) {
  CheckRunnerOptions options;
  options.lease_ms = 30'000;
  options.lookup_timeout_ms = 10'000;
  EXPECT_EQ(CheckRunner::lookup_deadline_ms(options), 10'000);
  options.lookup_timeout_ms = 25'000;
  EXPECT_EQ(CheckRunner::lookup_deadline_ms(options), 15'000);
}

// No verdict is never an answer: the job is retried no sooner than the source asked,
// and no sooner than the backoff.
TEST_F(CheckPipelineTest, UnavailableIsRetriedHonouringRetryAfterAndBackoff) {
  submit(2);
  std::atomic<int> calls = 0;
  TimedConnector connector([&](const registry::Lookup&) {
    if (calls.fetch_add(1) == 0) {
      return TimedConnector::Reply{milliseconds(0), testing::unavailable("upstream said 429", 3'600'000)};
    }
    return TimedConnector::Reply{milliseconds(0), testing::unavailable("upstream timed out")};
  });
  CheckRunnerOptions options;
  options.retry_base_ms = 1'000;
  options.retry_max_ms = 60'000;
  options.poll_ms = 20;
  CheckRunner runner(*store_, *sessions_, connector, options, [] { return kT0; });  // time stands still
  runner.start();
  ASSERT_TRUE(
      testing::wait_until([&] { return runner.metrics().retries.value() == 2; }, kDeadline, "two retries scheduled"));
  runner.stop();

  EXPECT_EQ(store_->pending_check_count(), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ine_results"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM check_jobs WHERE lease_owner IS NULL AND attempts = 1"), 2);
  // One waits at least the hour the source asked for; the other the first backoff
  // step plus at most a quarter of jitter.
  EXPECT_EQ(count("SELECT COUNT(*) FROM check_jobs WHERE next_run_at >= " + std::to_string(kT0 + 3'600'000)), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM check_jobs WHERE next_run_at BETWEEN " + std::to_string(kT0 + 1'000) + " AND " +
                  std::to_string(kT0 + 1'250)),
            1);
  EXPECT_EQ(runner.metrics().unavailable.value(), 2);
  EXPECT_EQ(runner.metrics().verdicts_active.value() + runner.metrics().verdicts_inactive.value(), 0);
}

// stop() gives unanswered lookups a bounded wait, then abandons them: they stay
// pending under the old lease, and are taken over once it expires.
TEST_F(CheckPipelineTest, StopAbandonsUnansweredLookupsAndTheyAreTakenOverAfterTheLease) {
  constexpr int kChecks = 5;
  const auto rows = submit(kChecks);
  CheckRunnerOptions options;
  options.lease_ms = 30'000;
  options.lookup_timeout_ms = 15'000;
  options.stop_wait_ms = 50;
  options.poll_ms = 20;
  std::string first_owner;
  {
    TimedConnector silent(testing::delayed_table(milliseconds(600'000), table_of(rows)));
    CheckRunner runner(*store_, *sessions_, silent, options, [] { return kT0; });
    first_owner = runner.owner();
    runner.start();
    ASSERT_TRUE(testing::wait_until([&] { return silent.started() == kChecks; }, kDeadline, "every lookup started"));
    runner.stop();
    EXPECT_EQ(runner.metrics().lookups_in_flight.value(), 0);
  }  // the connector goes after the runner; its unanswered lookups are dropped
  EXPECT_EQ(store_->pending_check_count(), kChecks);
  EXPECT_EQ(count("SELECT COUNT(*) FROM check_jobs WHERE lease_owner = '" + first_owner + "'"), kChecks);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ine_results"), 0);

  TimedConnector quick(testing::delayed_table(milliseconds(1), table_of(rows)));
  std::atomic<store::TimeMs> now = kT0 + 1'000;  // within the old lease
  // The dispatcher reads the clock once per claim: by its second read, the first claim
  // has returned and started a lookup for anything it took.
  std::atomic<int> clock_reads = 0;
  CheckRunner next(*store_, *sessions_, quick, options, [&] {
    ++clock_reads;
    return now.load();
  });
  next.start();
  ASSERT_TRUE(testing::wait_until([&] { return clock_reads >= 2; }, kDeadline, "two claims by the new runner"));
  EXPECT_EQ(quick.started(), 0) << "a leased job was taken before its lease expired";
  now = kT0 + options.lease_ms;  // the lease has expired
  next.wake();
  ASSERT_TRUE(testing::wait_until([&] { return store_->pending_check_count() == 0; }, kDeadline, "no pending check"));
  next.stop();
  EXPECT_EQ(count("SELECT COUNT(*) FROM ine_results"), kChecks);
  EXPECT_EQ(count("SELECT COUNT(*) FROM check_jobs WHERE attempts = 2"), kChecks);
}

}  // namespace
}  // namespace inereg::checks
