#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <csignal>

#include "auth/secret_box.hpp"
#include "functional/process.hpp"
#include "registry/registry_file.hpp"
#include "sessions/workflow.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/postgres/sql.hpp"
#include "store/sqlite/sql.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace inereg::store::postgres {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;
constexpr const char* kUrlVariable = "INEREG_TEST_POSTGRES_URL";
// Deletions here test the cascade, not the rate limit: a limit no test reaches.
constexpr DeleteRateLimit kGenerousDeleteLimit{1000, 1000};

// The test's own libpq connection (create/drop the database, inspect tables the Store
// interface does not expose), shared with the component and functional tests.
using AdminConnection = testing::PgConnection;
using testing::with_database;

// Each test gets its own freshly created database, dropped afterwards.
class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv(kUrlVariable);
    if (url == nullptr || *url == '\0') {
      GTEST_SKIP() << kUrlVariable
                   << " is not set: run `scripts/pg-test-server.sh start DIR` and export the URL it prints";
    }
    base_url_ = url;
    std::random_device random;
    database_ = "inereg_t_" + std::to_string(random()) + std::to_string(random());
    admin_ = std::make_unique<AdminConnection>(base_url_);
    // An identifier cannot be a parameter; the name is generated digits only.
    admin_->query("CREATE DATABASE " + database_);
    url_ = with_database(base_url_, database_);
  }

  void TearDown() override {
    stores_.clear();
    db_admin_.reset();
    if (admin_) {
      admin_->query("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
    }
  }

  // The session workflow over `store` (without webhooks: no integration here has URLs).
  static sessions::SessionWorkflow sessions_of(Store& store) { return sessions::SessionWorkflow(store, nullptr); }

  // A store on this test's database, as another node would open it.
  Store& open(int pool_size = 4) {
    stores_.push_back(open_postgres_store(url_, PoolOptions{.size = pool_size}));
    return *stores_.back();
  }

  // Direct SQL on this test's database.
  AdminConnection& db() {
    if (!db_admin_) {
      db_admin_ = std::make_unique<AdminConnection>(url_);
    }
    return *db_admin_;
  }
  std::int64_t count_rows(const std::string& table) { return std::stoll(db().query("SELECT COUNT(*) FROM " + table)); }

  void add_integration(Store& store, const std::string& id, TimeMs created_at = kT0) {
    Integration integration;
    integration.id = id;
    integration.name = "name-" + id;
    integration.api_key = "key-" + id;
    integration.created_at = created_at;
    store.create_integration(integration, "sealed-" + id);
  }

  Session make_session(const std::string& id, const std::string& integration_id) {
    Session s;
    s.id = id;
    s.integration_id = integration_id;
    s.ine_document = true;
    s.credential = synthetic_.next().credential;
    s.person_json = R"({"firstName":"ANA"})";
    s.document_json = R"({"country":"MX","type":"ID_CARD"})";
    s.vendor_data = "vendor-" + id;
    s.created_at = kT0;
    return s;
  }

  std::string base_url_;
  std::string url_;
  std::string database_;
  std::unique_ptr<AdminConnection> admin_;
  std::unique_ptr<AdminConnection> db_admin_;
  std::vector<std::unique_ptr<Store>> stores_;
  registry::SyntheticRegistry synthetic_{42};
};

TEST_F(PgStoreTest, IntegrationsSecretsAndRevocation) {
  auto& store = open();
  add_integration(store, "i1", kT0);
  add_integration(store, "i2", kT0 + 1);

  auto found = store.find_integration_by_api_key("key-i1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "i1");
  EXPECT_EQ(found->name, "name-i1");
  EXPECT_TRUE(found->active);
  EXPECT_EQ(found->created_at, kT0);
  ASSERT_EQ(found->secrets.size(), 1U);
  EXPECT_EQ(found->secrets[0].sealed, "sealed-i1");
  EXPECT_FALSE(store.find_integration_by_api_key("key-nope"));
  EXPECT_FALSE(store.find_integration("nope"));

  const auto second = store.add_integration_secret("i1", "sealed-2", kT0 + 10);
  const auto third = store.add_integration_secret("i1", "sealed-3", kT0 + 20);
  EXPECT_GT(third, second);
  found = store.find_integration("i1");
  ASSERT_EQ(found->secrets.size(), 3U);
  EXPECT_EQ(found->secrets[0].id, third);  // newest first
  EXPECT_EQ(found->secrets[0].sealed, "sealed-3");
  EXPECT_EQ(found->secrets[0].created_at, kT0 + 20);
  EXPECT_EQ(found->secrets[1].id, second);

  EXPECT_EQ(store.revoke_older_integration_secrets("i1", kT0 + 30), 2);
  EXPECT_EQ(store.revoke_older_integration_secrets("i1", kT0 + 40), 0);
  found = store.find_integration("i1");
  ASSERT_EQ(found->secrets.size(), 1U);
  EXPECT_EQ(found->secrets[0].sealed, "sealed-3");
  EXPECT_EQ(db().query("SELECT COUNT(*) FROM integration_secrets WHERE revoked_at = $1", {std::to_string(kT0 + 30)}),
            "2");
  // The other integration's secret is untouched.
  EXPECT_EQ(store.find_integration("i2")->secrets.size(), 1U);

  EXPECT_TRUE(store.set_integration_active("i1", false));
  EXPECT_FALSE(store.find_integration("i1")->active);
  EXPECT_TRUE(store.set_integration_active("i1", true));
  EXPECT_TRUE(store.find_integration("i1")->active);
  EXPECT_FALSE(store.set_integration_active("nope", false));

  const auto all = store.list_integrations();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].id, "i1");
  EXPECT_EQ(all[1].id, "i2");
  EXPECT_EQ(all[0].secrets.size(), 1U);

  // A duplicate API key is an error, and creates neither row (one transaction).
  Integration duplicate;
  duplicate.id = "i3";
  duplicate.name = "dup";
  duplicate.api_key = "key-i1";
  EXPECT_THROW(store.create_integration(duplicate, "sealed"), StoreError);
  EXPECT_FALSE(store.find_integration("i3"));
  EXPECT_EQ(count_rows("integration_secrets"), 4);
}

TEST_F(PgStoreTest, SessionInsertFindSubmitDelete) {
  auto& store = open();
  add_integration(store, "i1");
  Session created = make_session("s1", "i1");
  created.callback = "https://example.invalid/cb";
  sessions_of(store).create(created);
  Session plain = make_session("s2", "i1");
  plain.vendor_data.reset();
  plain.ine_document = false;
  plain.credential = {};
  sessions_of(store).create(plain);
  EXPECT_THROW(sessions_of(store).create(created), StoreError);  // same id

  auto found = store.find_session("s1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->integration_id, "i1");
  EXPECT_EQ(found->status, "created");
  EXPECT_EQ(found->vendor_data, "vendor-s1");
  EXPECT_FALSE(found->end_user_id);
  EXPECT_EQ(found->callback, "https://example.invalid/cb");
  EXPECT_EQ(found->person_json, created.person_json);
  EXPECT_EQ(found->document_json, created.document_json);
  EXPECT_TRUE(found->ine_document);
  EXPECT_EQ(found->credential.cic, created.credential.cic);
  EXPECT_EQ(found->credential.citizen_id, created.credential.citizen_id);
  EXPECT_EQ(found->credential.ocr, created.credential.ocr);
  EXPECT_EQ(found->credential.elector_key, created.credential.elector_key);
  EXPECT_EQ(found->credential.emission_number, created.credential.emission_number);
  EXPECT_EQ(found->created_at, kT0);
  EXPECT_FALSE(found->submitted_at);
  EXPECT_FALSE(store.find_session("nope"));

  // Submit with a check: queued, submitted once only.
  EXPECT_EQ(sessions_of(store).submit("s1", "attempt-1", kT0 + 5).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  EXPECT_EQ(store.pending_check_count(), 1);
  found = store.find_session("s1");
  EXPECT_EQ(found->status, "submitted");
  EXPECT_EQ(found->attempt_id, "attempt-1");
  EXPECT_EQ(found->submitted_at, kT0 + 5);
  EXPECT_FALSE(found->decided_at);
  EXPECT_EQ(sessions_of(store).submit("s1", "attempt-2", kT0 + 6).outcome,
            sessions::SubmitResult::Outcome::kNotAllowed);
  EXPECT_EQ(store.find_session("s1")->attempt_id, "attempt-1");
  EXPECT_EQ(store.pending_check_count(), 1);
  EXPECT_EQ(sessions_of(store).submit("nope", "a", kT0).outcome, sessions::SubmitResult::Outcome::kNotFound);

  // Submit without a check: decided at once, no job.
  EXPECT_EQ(sessions_of(store).submit("s2", "attempt-3", kT0 + 7).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  found = store.find_session("s2");
  EXPECT_EQ(found->status, "resubmission_requested");
  EXPECT_EQ(found->decided_at, kT0 + 7);
  EXPECT_EQ(store.pending_check_count(), 1);
  EXPECT_EQ(count_rows("check_jobs"), 1);

  // Deleting removes the session with its job and result.
  const auto claimed = store.claim_checks("w", kT0 + 10, 1000, 10);
  ASSERT_EQ(claimed.size(), 1U);
  const std::vector<sessions::CheckVerdict> verdict{{{"s1", claimed[0].attempts}, IneResult{true, "VIGENTE", 1, 0}}};
  ASSERT_EQ(sessions_of(store).complete_checks("w", verdict, kT0 + 11), std::vector<bool>{true});
  EXPECT_EQ(count_rows("ine_results"), 1);
  EXPECT_EQ(sessions_of(store).delete_session("s1", "i1", kGenerousDeleteLimit, kT0 + 12).outcome,
            sessions::DeleteResult::Outcome::kDeleted);
  EXPECT_FALSE(store.find_session("s1"));
  EXPECT_FALSE(store.find_ine_answer("s1"));
  EXPECT_EQ(count_rows("ine_results"), 0);
  EXPECT_EQ(count_rows("check_jobs"), 0);
  EXPECT_EQ(sessions_of(store).delete_session("s1", "i1", kGenerousDeleteLimit, kT0 + 13).outcome,
            sessions::DeleteResult::Outcome::kNotFound);
  EXPECT_TRUE(store.find_session("s2"));
}

TEST_F(PgStoreTest, DeletingPendingSessionRemovesItsJob) {
  auto& store = open();
  add_integration(store, "i1");
  sessions_of(store).create(make_session("s1", "i1"));
  ASSERT_EQ(sessions_of(store).submit("s1", "a", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  ASSERT_EQ(store.pending_check_count(), 1);
  // The persistence primitive: the workflow never deletes a submitted session (its job is
  // pending), but the cascade must not leave a job without its session either.
  {
    const auto tx = store.begin_write();
    EXPECT_TRUE(tx->delete_session("s1", "i1"));
    tx->commit();
  }
  EXPECT_EQ(store.pending_check_count(), 0);
  EXPECT_TRUE(store.claim_checks("w", kT0 + 1, 1000, 10).empty());
}

TEST_F(PgStoreTest, FindIneAnswer) {
  auto& store = open();
  add_integration(store, "i1");
  EXPECT_FALSE(store.find_ine_answer("s1"));
  sessions_of(store).create(make_session("s1", "i1"));
  auto answer = store.find_ine_answer("s1");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->integration_id, "i1");
  EXPECT_EQ(answer->status, "created");
  EXPECT_FALSE(answer->result);

  ASSERT_EQ(sessions_of(store).submit("s1", "a", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  EXPECT_EQ(store.find_ine_answer("s1")->status, "submitted");
  EXPECT_FALSE(store.find_ine_answer("s1")->result);
  const auto claimed = store.claim_checks("w", kT0 + 1, 1000, 10);
  ASSERT_EQ(claimed.size(), 1U);
  const std::vector<sessions::CheckVerdict> verdict{{{"s1", claimed[0].attempts}, IneResult{false, "BAJA", 7, 0}}};
  ASSERT_EQ(sessions_of(store).complete_checks("w", verdict, kT0 + 2), std::vector<bool>{true});
  answer = store.find_ine_answer("s1");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, "declined");
  ASSERT_TRUE(answer->result);
  EXPECT_FALSE(answer->result->active);
  EXPECT_EQ(answer->result->document_state, "BAJA");
  EXPECT_EQ(answer->result->situation, 7);
  EXPECT_EQ(answer->result->checked_at, kT0 + 2);
  EXPECT_EQ(store.find_session("s1")->decided_at, kT0 + 2);
}

// Two nodes (two stores, two lease owners), several threads each, race over many jobs,
// each claiming one job per call (the most contended form; check_store_test claims in
// larger batches): every job is claimed once and completed exactly once.
TEST_F(PgStoreTest, ClaimAndCompleteExactlyOnceAcrossNodes) {
  constexpr int kJobs = 300;
  constexpr int kThreadsPerNode = 3;
  auto& setup = open();
  add_integration(setup, "i1");
  std::map<std::string, std::string> cic_of;
  for (int i = 0; i < kJobs; ++i) {
    const Session s = make_session("s" + std::to_string(i), "i1");
    cic_of[s.id] = s.credential.cic;
    sessions_of(setup).create(s);
    ASSERT_EQ(sessions_of(setup).submit(s.id, "a", kT0 + i).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  }
  std::array<Store*, 2> nodes = {&open(kThreadsPerNode), &open(kThreadsPerNode)};
  const std::array<std::string, 2> owners = {"node-a", "node-b"};

  std::mutex mutex;
  std::map<std::string, int> claims;
  std::map<std::string, int> completions;
  std::map<std::string, std::string> completed_by;
  std::atomic<bool> wrong_credential = false;
  std::atomic<bool> limit_broken = false;
  std::atomic<int> errors = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::vector<std::thread> threads;
  for (int node = 0; node < 2; ++node) {
    for (int t = 0; t < kThreadsPerNode; ++t) {
      threads.emplace_back([&, node] {
        try {
          while (std::chrono::steady_clock::now() < deadline) {
            // A lease far longer than the test: no claim can expire and be retaken.
            const auto batch = nodes[node]->claim_checks(owners[node], kT0 + kJobs, 3'600'000, 1);
            if (batch.empty()) {
              if (nodes[node]->pending_check_count() == 0) {
                return;
              }
              std::this_thread::yield();
              continue;
            }
            if (batch.size() != 1) {
              limit_broken = true;
            }
            const ClaimedCheck& claimed = batch.front();
            if (claimed.credential.cic != cic_of.at(claimed.session_id) || claimed.attempts != 1) {
              wrong_credential = true;
            }
            {
              std::lock_guard lock(mutex);
              ++claims[claimed.session_id];
            }
            const std::vector<sessions::CheckVerdict> verdict{
                {{claimed.session_id, claimed.attempts}, IneResult{true, "VIGENTE", 1, 0}}};
            const bool done = sessions_of(*nodes[node]).complete_checks(owners[node], verdict, kT0 + kJobs).at(0);
            // A second completion of the same claim must be refused.
            const bool again = sessions_of(*nodes[node]).complete_checks(owners[node], verdict, kT0 + kJobs).at(0);
            std::lock_guard lock(mutex);
            completions[claimed.session_id] += (done ? 1 : 0) + (again ? 1 : 0);
            completed_by[claimed.session_id] = owners[node];
          }
        } catch (const std::exception&) {
          ++errors;
        }
      });
    }
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(errors.load(), 0);
  EXPECT_FALSE(wrong_credential.load());
  EXPECT_FALSE(limit_broken.load());
  EXPECT_EQ(claims.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(completions.size(), static_cast<std::size_t>(kJobs));
  int by_a = 0;
  for (const auto& [id, count] : claims) {
    EXPECT_EQ(count, 1) << id;
  }
  for (const auto& [id, count] : completions) {
    EXPECT_EQ(count, 1) << id;
    by_a += completed_by[id] == "node-a" ? 1 : 0;
  }
  EXPECT_GT(by_a, 0);  // both nodes took part
  EXPECT_LT(by_a, kJobs);
  EXPECT_EQ(setup.pending_check_count(), 0);
  EXPECT_EQ(count_rows("ine_results"), kJobs);
  EXPECT_EQ(db().query("SELECT COUNT(*) FROM sessions WHERE status = 'approved'"), std::to_string(kJobs));
}

TEST_F(PgStoreTest, ExpiredLeaseIsTakenOverAndOnlyTheNewOwnerCompletes) {
  auto& store = open();
  add_integration(store, "i1");
  const Session s = make_session("s1", "i1");
  sessions_of(store).create(s);
  ASSERT_EQ(sessions_of(store).submit("s1", "a", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted);

  EXPECT_TRUE(store.claim_checks("a", kT0 - 1, 1000, 10).empty());  // not due yet
  const auto first = store.claim_checks("a", kT0, 1000, 10);
  ASSERT_EQ(first.size(), 1U);
  EXPECT_EQ(first[0].session_id, "s1");
  EXPECT_EQ(first[0].attempts, 1);
  EXPECT_EQ(first[0].credential.cic, s.credential.cic);
  EXPECT_EQ(first[0].credential.ocr, s.credential.ocr);
  EXPECT_TRUE(store.claim_checks("b", kT0 + 999, 1000, 10).empty());  // still leased
  const auto second = store.claim_checks("b", kT0 + 1000, 1000, 10);  // lease expired
  ASSERT_EQ(second.size(), 1U);
  EXPECT_EQ(second[0].attempts, 2);
  EXPECT_EQ(db().query("SELECT lease_owner FROM check_jobs WHERE session_id = 's1'"), "b");

  const IneResult vigente{true, "VIGENTE", 1, 0};
  const std::vector<sessions::CheckVerdict> by_a{{{"s1", first[0].attempts}, vigente}};
  const std::vector<sessions::CheckVerdict> by_b{{{"s1", second[0].attempts}, vigente}};
  EXPECT_EQ(sessions_of(store).complete_checks("a", by_a, kT0 + 1001), std::vector<bool>{false});
  EXPECT_FALSE(store.find_ine_answer("s1")->result);
  EXPECT_EQ(sessions_of(store).complete_checks("b", by_b, kT0 + 1002), std::vector<bool>{true});
  EXPECT_EQ(sessions_of(store).complete_checks("b", by_b, kT0 + 1003), std::vector<bool>{false});
  EXPECT_EQ(store.pending_check_count(), 0);
  EXPECT_TRUE(store.claim_checks("c", kT0 + 100'000, 1000, 10).empty());  // done jobs are never claimed
  EXPECT_EQ(store.find_ine_answer("s1")->result->checked_at, kT0 + 1002);
}

TEST_F(PgStoreTest, RetryChecksReleasesTheLeaseUntilTheNextRun) {
  auto& store = open();
  add_integration(store, "i1");
  sessions_of(store).create(make_session("s1", "i1"));
  ASSERT_EQ(sessions_of(store).submit("s1", "a", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  const auto claimed = store.claim_checks("a", kT0, 60'000, 10);
  ASSERT_EQ(claimed.size(), 1U);

  const std::vector<CheckRetry> retry_soon{{"s1", claimed[0].attempts, kT0 + 1}};
  EXPECT_EQ(sessions_of(store).retry_checks("intruder", retry_soon),
            std::vector<bool>{false});  // not the holder: no effect
  EXPECT_TRUE(store.claim_checks("b", kT0 + 10, 60'000, 10).empty());

  const std::vector<CheckRetry> retry_later{{"s1", claimed[0].attempts, kT0 + 5000}};
  EXPECT_EQ(sessions_of(store).retry_checks("a", retry_later), std::vector<bool>{true});
  EXPECT_EQ(db().query("SELECT COALESCE(lease_owner, '<null>') FROM check_jobs WHERE session_id = 's1'"), "<null>");
  EXPECT_TRUE(store.claim_checks("b", kT0 + 4999, 60'000, 10).empty());
  const auto again = store.claim_checks("b", kT0 + 5000, 60'000, 10);
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_EQ(store.pending_check_count(), 1);
  const std::vector<sessions::CheckVerdict> by_a{{{"s1", claimed[0].attempts}, IneResult{}}};
  const std::vector<sessions::CheckVerdict> by_b{{{"s1", again[0].attempts}, IneResult{}}};
  EXPECT_EQ(sessions_of(store).complete_checks("a", by_a, kT0 + 5001), std::vector<bool>{false});
  EXPECT_EQ(sessions_of(store).complete_checks("b", by_b, kT0 + 5001), std::vector<bool>{true});
}

TEST_F(PgStoreTest, RegistryUpsertFindCount) {
  auto& store = open();
  EXPECT_EQ(store.registry_entry_count(), 0);
  store.upsert_registry_entries({});
  EXPECT_EQ(store.registry_entry_count(), 0);

  // More than one batch, with keys that need escaping in an array literal.
  std::vector<RegistryEntry> entries;
  for (int i = 0; i < 12'000; ++i) {
    entries.push_back(registry::to_registry_entry(synthetic_.next()));
  }
  std::map<std::string, int> expected;
  for (const auto& e : entries) {
    expected[e.lookup_key] = e.situation;
  }
  entries.push_back(RegistryEntry{R"(odd"key\with,{braces} )", "E", 3});
  expected[entries.back().lookup_key] = 3;
  store.upsert_registry_entries(entries);
  EXPECT_EQ(store.registry_entry_count(), static_cast<std::int64_t>(expected.size()));
  EXPECT_EQ(store.find_registry_situation(entries[0].lookup_key), entries[0].situation);
  EXPECT_EQ(store.find_registry_situation(entries[11'999].lookup_key), expected[entries[11'999].lookup_key]);
  EXPECT_EQ(store.find_registry_situation(R"(odd"key\with,{braces} )"), 3);
  EXPECT_FALSE(store.find_registry_situation("no-such-key"));

  // Replacing: a key repeated within one call keeps its last value.
  std::vector<RegistryEntry> changes = {
      RegistryEntry{entries[0].lookup_key, "H", 90},
      RegistryEntry{entries[1].lookup_key, "H", 91},
      RegistryEntry{entries[0].lookup_key, "G", 92},
  };
  store.upsert_registry_entries(changes);
  EXPECT_EQ(store.registry_entry_count(), static_cast<std::int64_t>(expected.size()));
  EXPECT_EQ(store.find_registry_situation(entries[0].lookup_key), 92);
  EXPECT_EQ(store.find_registry_situation(entries[1].lookup_key), 91);
  EXPECT_EQ(db().query("SELECT model FROM registry_entries WHERE lookup_key = $1", {entries[0].lookup_key}), "G");
}

TEST_F(PgStoreTest, MigrationsAreIdempotentAndSafeToRace) {
  // Several nodes start at once on an empty database: the advisory lock serializes them.
  std::atomic<int> failures = 0;
  std::vector<std::unique_ptr<Store>> racing(4);
  std::vector<std::thread> threads;
  for (auto& slot : racing) {
    threads.emplace_back([&] {
      try {
        slot = open_postgres_store(url_, PoolOptions{.size = 1});
      } catch (const StoreError&) {
        ++failures;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  racing.clear();
  EXPECT_EQ(count_rows("schema_migrations"), static_cast<std::int64_t>(sql::kMigrations.size()));

  auto& first = open();
  add_integration(first, "i1");
  auto& second = open();  // opening again changes nothing and keeps the data
  EXPECT_TRUE(second.find_integration("i1"));
  EXPECT_EQ(count_rows("schema_migrations"), static_cast<std::int64_t>(sql::kMigrations.size()));
  EXPECT_EQ(db().query("SELECT MAX(version) FROM schema_migrations"), std::to_string(sql::kMigrations.back().version));
}

TEST_F(PgStoreTest, BrokenConnectionIsReconnected) {
  auto& store = open(1);
  add_integration(store, "i1");
  // Kill the store's only server session, as a server restart would.
  EXPECT_EQ(db().query("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()"),
            "1");
  // The first call may see the dead socket and fail; the next one reconnects.
  bool recovered = false;
  for (int attempt = 0; attempt < 2 && !recovered; ++attempt) {
    try {
      recovered = store.find_integration("i1").has_value();
    } catch (const StoreError&) {
    }
  }
  EXPECT_TRUE(recovered);
  EXPECT_EQ(store.list_integrations().size(), 1U);
}

TEST_F(PgStoreTest, RequireCurrentRefusesAnEmptyDatabaseWithoutTouchingIt) {
  try {
    open_postgres_store(url_, PoolOptions{.size = 1}, Migrations::kRequireCurrent);
    ADD_FAILURE() << "opened a database without a schema";
  } catch (const StoreError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("at version 0, this inereg needs " + std::to_string(sql::kSchemaVersion)), std::string::npos)
        << message;
    EXPECT_NE(message.find("run `inereg migrate`"), std::string::npos) << message;
  }
  // Checking created nothing: not even the migrations table.
  EXPECT_EQ(db().query("SELECT to_regclass('schema_migrations') IS NULL"), "t");
  EXPECT_EQ(db().query("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"), "0");
}

TEST_F(PgStoreTest, RequireCurrentRefusesAnOlderSchemaAndAcceptsACurrentOrNewerOne) {
  open();  // kApply: the schema is current
  // Roll the recorded version back by one, as a database last migrated by the previous
  // release looks to this build.
  db().query("DELETE FROM schema_migrations WHERE version = $1", {std::to_string(sql::kSchemaVersion)});
  try {
    open_postgres_store(url_, PoolOptions{.size = 1}, Migrations::kRequireCurrent);
    ADD_FAILURE() << "opened a database whose schema is behind";
  } catch (const StoreError& error) {
    const std::string message = error.what();
    // The previous migration's version (versions are pre-assigned per branch, so they may have gaps).
    const int previous = sql::kMigrations[sql::kMigrations.size() - 2].version;
    EXPECT_NE(message.find("database schema is at version " + std::to_string(previous) + ", this inereg needs " +
                           std::to_string(sql::kSchemaVersion) + ": run `inereg migrate`"),
              std::string::npos)
        << message;
  }
  // open_store with serve's policy for a PostgreSQL URL refuses it the same way.
  EXPECT_EQ(startup_migrations(url_), Migrations::kRequireCurrent);
  EXPECT_THROW(open_store(url_, startup_migrations(url_)), StoreError);

  // Current again (as after `inereg migrate`): opens and reports the version.
  db().query("INSERT INTO schema_migrations(version, applied_at) VALUES ($1, 0)",
             {std::to_string(sql::kSchemaVersion)});
  {
    const auto store = open_postgres_store(url_, PoolOptions{.size = 1}, Migrations::kRequireCurrent);
    EXPECT_EQ(store->schema_version(), sql::kSchemaVersion);
  }
  // Ahead of this build (the next release migrated first): old nodes keep serving.
  db().query("INSERT INTO schema_migrations(version, applied_at) VALUES ($1, 0)",
             {std::to_string(sql::kSchemaVersion + 1)});
  const auto ahead = open_postgres_store(url_, PoolOptions{.size = 1}, Migrations::kRequireCurrent);
  EXPECT_EQ(ahead->schema_version(), sql::kSchemaVersion + 1);
}

// The real binary: serve refuses an unmigrated PostgreSQL database, `inereg migrate`
// applies the schema and prints its version, then serve starts on it.
TEST_F(PgStoreTest, MigrateCommandThenServe) {
  testing::TempDir dir;
  functional::SpawnOptions options;
  options.env = {{"INEREG_MASTER_KEY", auth::random_master_key_hex()}};
  options.output_dir = dir.path();

  options.args = {"serve", "--listen", "127.0.0.1:0", "--db", url_};
  const auto refused = functional::run_program(INEREG_BINARY, options);
  EXPECT_EQ(refused.exit_code(), 1) << refused.err;
  EXPECT_NE(refused.err.find("database schema is at version 0, this inereg needs " +
                             std::to_string(sql::kSchemaVersion) + ": run `inereg migrate`"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(db().query("SELECT to_regclass('schema_migrations') IS NULL"), "t");

  options.args = {"migrate", "--db", url_};
  for (int run = 0; run < 2; ++run) {  // the second run finds nothing to apply
    const auto migrated = functional::run_program(INEREG_BINARY, options);
    EXPECT_EQ(migrated.exit_code(), 0) << migrated.err;
    EXPECT_EQ(migrated.out, "database schema at version " + std::to_string(sql::kSchemaVersion) + "\n");
  }
  EXPECT_EQ(count_rows("schema_migrations"), static_cast<std::int64_t>(sql::kMigrations.size()));

  options.args = {"serve", "--listen", "127.0.0.1:0", "--db", url_};
  functional::ChildProcess serve(INEREG_BINARY, options);
  const auto deadline = functional::Clock::now() + std::chrono::seconds(30);
  while (serve.stderr_text().find("inereg listening on") == std::string::npos && serve.running() &&
         functional::Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(serve.stderr_text().find("inereg listening on"), std::string::npos) << serve.stderr_text();
  serve.send_signal(SIGTERM);
  const auto stopped = serve.wait_for(std::chrono::seconds(30));
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->code, 0) << functional::describe(*stopped);
}

// The embedded store implements both policies too; serve's policy for it is kApply.
TEST(SqliteMigrations, RequireCurrentAndApply) {
  testing::TempDir dir;
  const std::string path = dir.file("inereg.db");
  EXPECT_EQ(startup_migrations("sqlite:" + path), Migrations::kApply);
  try {
    sqlite::open_sqlite_store(path, PoolOptions{.size = 1}, Migrations::kRequireCurrent);
    ADD_FAILURE() << "opened a database without a schema";
  } catch (const StoreError& error) {
    EXPECT_NE(std::string(error.what())
                  .find("at version 0, this inereg needs " + std::to_string(sqlite::sql::kSchemaVersion) +
                        ": run `inereg migrate`"),
              std::string::npos)
        << error.what();
  }
  EXPECT_EQ(open_store("sqlite:" + path, startup_migrations("sqlite:" + path))->schema_version(),
            sqlite::sql::kSchemaVersion);
  const auto current = sqlite::open_sqlite_store(path, PoolOptions{.size = 1}, Migrations::kRequireCurrent);
  EXPECT_EQ(current->schema_version(), sqlite::sql::kSchemaVersion);
}

TEST(PgStoreUrl, PasswordNeverAppearsInMessages) {
  EXPECT_EQ(redact_url("postgresql://app:s3cr3t-pw@127.0.0.1:5432/db"), "postgresql://app:***@127.0.0.1:5432/db");
  EXPECT_EQ(redact_url("postgres://127.0.0.1/db?user=app&password=s3cr3t-pw&sslmode=disable"),
            "postgres://127.0.0.1/db?user=app&password=***&sslmode=disable");
  EXPECT_EQ(redact_url("postgresql://127.0.0.1/db"), "postgresql://127.0.0.1/db");
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  try {
    open_postgres_store("postgresql://app:s3cr3t-pw@127.0.0.1:1/db?connect_timeout=5", PoolOptions{.size = 1});
    ADD_FAILURE() << "connected to port 1";
  } catch (const StoreError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.find("s3cr3t-pw"), std::string::npos) << message;
    EXPECT_NE(message.find("***"), std::string::npos) << message;
  }
}

TEST(PgStoreUrl, OpenStoreDispatchesPostgresUrls) {
  for (const char* url : {"postgresql://app:s3cr3t-pw@127.0.0.1:1/db", "postgres://app:s3cr3t-pw@127.0.0.1:1/db"}) {
    try {
      open_store(url);
      ADD_FAILURE() << "connected to port 1";
    } catch (const StoreError& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find("PostgreSQL"), std::string::npos) << message;
      EXPECT_EQ(message.find("s3cr3t-pw"), std::string::npos) << message;
    }
  }
}

// Media: an upload that meets a submit in progress on another node waits for it and is
// then refused; it is never stored after the submit.
TEST_F(PgStoreTest, AnUploadWaitingOnASubmitInProgressIsRefusedNotStoredAfterIt) {
  auto& store = open();
  add_integration(store, "i1");
  sessions_of(store).create(make_session("s1", "i1"));
  Media media;
  media.id = "m1";
  media.session_id = "s1";
  media.context = "document-back";
  media.mimetype = "image/png";
  media.size = 4;
  media.sha256 = "00";
  media.created_at = kT0;
  const std::string bytes("\x89PN\0", 4);

  // The submit's UPDATE holds the session row, not yet committed.
  db().query("BEGIN");
  db().query("UPDATE sessions SET status = 'submitted' WHERE id = 's1'");
  auto upload =
      std::async(std::launch::async, [&] { return sessions_of(store).add_media(media, bytes, MediaLimits{}); });
  // Wait until the upload is seen blocked on that row lock (not a timing assumption:
  // the loop ends when PostgreSQL reports the wait, the deadline only bounds a failure).
  AdminConnection observer(url_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (observer.query("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                        "wait_event_type = 'Lock'") != "1" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(upload.wait_for(std::chrono::seconds(0)), std::future_status::timeout) << "the upload did not wait";
  db().query("COMMIT");
  EXPECT_EQ(upload.get(), sessions::MediaOutcome::kSessionNotUploadable);
  EXPECT_EQ(count_rows("media"), 0);

  // Bytes round-trip exactly (binary parameters and results, no hex).
  sessions_of(store).create(make_session("s2", "i1"));
  media.session_id = "s2";
  ASSERT_EQ(sessions_of(store).add_media(media, bytes, MediaLimits{}), sessions::MediaOutcome::kStored);
  const auto found = store.find_media("m1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->bytes, bytes);
  EXPECT_EQ(found->integration_id, "i1");
  EXPECT_EQ(found->media.size, 4);
  EXPECT_EQ(found->media.created_at, kT0);
  ASSERT_EQ(sessions_of(store).delete_session("s2", "i1", kGenerousDeleteLimit, kT0).outcome,
            sessions::DeleteResult::Outcome::kDeleted);
  EXPECT_FALSE(store.find_media("m1"));
}

}  // namespace
}  // namespace inereg::store::postgres
