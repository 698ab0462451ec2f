// The check pipeline's batches (Store::claim_checks, SessionWorkflow::complete_checks
// and retry_checks) on the backend INEREG_TEST_BACKEND picks: SQLite file or PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "registry/registry_file.hpp"
#include "sessions/workflow.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace inereg::store {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;

class CheckStoreTest : public ::testing::Test {
 protected:
  // Another node (PostgreSQL) or another process (SQLite) on the same database.
  std::unique_ptr<Store> open() { return open_store(database_.url()); }

  void SetUp() override {
    store_ = open();
    sessions_ = std::make_unique<sessions::SessionWorkflow>(*store_, nullptr);
    Integration integration;
    integration.id = "i1";
    integration.name = "acme";
    integration.api_key = "key-i1";
    integration.created_at = kT0;
    store_->create_integration(integration, "sealed");
  }

  // Inserts and submits `count` sessions s0..s{count-1}, due at kT0 + i.
  void submit_sessions(int count) {
    for (int i = 0; i < count; ++i) {
      Session s;
      s.id = "s" + std::to_string(i);
      s.integration_id = "i1";
      s.ine_document = true;
      s.credential = synthetic_.next().credential;
      s.created_at = kT0;
      credentials_[s.id] = s.credential;
      sessions_->create(s);
      ASSERT_EQ(sessions_->submit(s.id, "a", kT0 + i).outcome, sessions::SubmitResult::Outcome::kSubmitted);
    }
  }

  static sessions::CheckVerdict approved(const ClaimedCheck& claim) {
    return sessions::CheckVerdict{{claim.session_id, claim.attempts}, IneResult{true, "VIGENTE", 1, 0}};
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{dir_ / "checks.db"};
  std::unique_ptr<Store> store_;
  std::unique_ptr<sessions::SessionWorkflow> sessions_;
  registry::SyntheticRegistry synthetic_{4242};
  std::map<std::string, ine::Credential> credentials_;
};

TEST_F(CheckStoreTest, ClaimChecksTakesDueJobsOldestFirstUpToTheLimit) {
  submit_sessions(5);
  EXPECT_TRUE(store_->claim_checks("a", kT0 + 10, 1000, 0).empty());
  EXPECT_TRUE(store_->claim_checks("a", kT0 - 1, 1000, 10).empty());  // none due yet

  auto first = store_->claim_checks("a", kT0 + 2, 1000, 10);  // s0..s2 are due
  ASSERT_EQ(first.size(), 3U);
  std::set<std::string> ids;
  for (const auto& claim : first) {
    ids.insert(claim.session_id);
    EXPECT_EQ(claim.attempts, 1);
    EXPECT_EQ(claim.credential.cic, credentials_.at(claim.session_id).cic);
    EXPECT_EQ(claim.credential.citizen_id, credentials_.at(claim.session_id).citizen_id);
    EXPECT_EQ(claim.credential.ocr, credentials_.at(claim.session_id).ocr);
  }
  EXPECT_EQ(ids, (std::set<std::string>{"s0", "s1", "s2"}));

  auto second = store_->claim_checks("b", kT0 + 100, 1000, 1);  // limit 1, oldest remaining
  ASSERT_EQ(second.size(), 1U);
  EXPECT_EQ(second[0].session_id, "s3");
  // Leased jobs are not claimed again until their lease expires (kT0 + 2 + 1000).
  auto third = store_->claim_checks("b", kT0 + 1001, 1000, 10);
  ASSERT_EQ(third.size(), 1U);
  EXPECT_EQ(third[0].session_id, "s4");
  auto retaken = store_->claim_checks("b", kT0 + 1002, 1000, 10);
  ASSERT_EQ(retaken.size(), 3U);  // s0..s2: their lease expired
  for (const auto& claim : retaken) {
    EXPECT_EQ(claim.attempts, 2);
  }
  EXPECT_EQ(store_->pending_check_count(), 5);
}

TEST_F(CheckStoreTest, CompleteChecksRecordsOnlyUnderTheCurrentClaim) {
  submit_sessions(4);
  const auto claims = store_->claim_checks("a", kT0 + 10, 1000, 10);
  ASSERT_EQ(claims.size(), 4U);
  std::map<std::string, ClaimedCheck> by_id;
  for (const auto& claim : claims) {
    by_id[claim.session_id] = claim;
  }
  // s3's lease expires and node b takes it over: a's outcome for it must be refused.
  auto taken_over = store_->claim_checks("b", kT0 + 10 + 1000, 1000, 10);
  ASSERT_EQ(taken_over.size(), 4U);  // all four expired at the same moment
  // b gives s0..s2 back (retry at once), keeps s3.
  std::vector<CheckRetry> give_back;
  for (const auto& claim : taken_over) {
    if (claim.session_id != "s3") {
      give_back.push_back(CheckRetry{claim.session_id, claim.attempts, kT0});
    }
  }
  EXPECT_EQ(sessions_->retry_checks("b", give_back), std::vector<bool>(3, true));
  const auto reclaimed = store_->claim_checks("a", kT0 + 2000, 1000, 10);
  ASSERT_EQ(reclaimed.size(), 3U);
  for (const auto& claim : reclaimed) {
    by_id[claim.session_id] = claim;  // attempts 3 now
  }

  std::vector<sessions::CheckVerdict> batch = {
      approved(by_id["s0"]), sessions::CheckVerdict{{"s1", by_id["s1"].attempts}, IneResult{false, "BAJA", 7, 0}},
      approved(ClaimedCheck{"s2", 1, {}}),  // a's first claim of s2: a later one is current
      approved(by_id["s3"]),                // a's old claim of s3, now b's
  };
  const auto recorded = sessions_->complete_checks("a", batch, kT0 + 2001);
  EXPECT_EQ(recorded, (std::vector<bool>{true, true, false, false}));
  // The same outcome again, or by an intruder, is refused: exactly once.
  EXPECT_EQ(sessions_->complete_checks("a", std::vector<sessions::CheckVerdict>{approved(by_id["s0"])}, kT0 + 2002),
            std::vector<bool>{false});
  EXPECT_EQ(
      sessions_->complete_checks("intruder", std::vector<sessions::CheckVerdict>{approved(by_id["s2"])}, kT0 + 2002),
      std::vector<bool>{false});
  EXPECT_EQ(sessions_->complete_checks("a", std::vector<sessions::CheckVerdict>{approved(by_id["s2"])}, kT0 + 2003),
            std::vector<bool>{true});
  EXPECT_EQ(sessions_->complete_checks("b", std::vector<sessions::CheckVerdict>{approved(ClaimedCheck{"s3", 2, {}})},
                                       kT0 + 2004),
            std::vector<bool>{true});

  auto s0 = store_->find_ine_answer("s0");
  ASSERT_TRUE(s0 && s0->result);
  EXPECT_EQ(s0->status, "approved");
  EXPECT_TRUE(s0->result->active);
  EXPECT_EQ(s0->result->checked_at, kT0 + 2001);
  auto s1 = store_->find_ine_answer("s1");
  ASSERT_TRUE(s1 && s1->result);
  EXPECT_EQ(s1->status, "declined");
  EXPECT_FALSE(s1->result->active);
  EXPECT_EQ(s1->result->document_state, "BAJA");
  EXPECT_EQ(s1->result->situation, 7);
  EXPECT_EQ(store_->find_session("s1")->decided_at, kT0 + 2001);
  EXPECT_EQ(store_->find_ine_answer("s2")->result->checked_at, kT0 + 2003);
  EXPECT_EQ(store_->find_ine_answer("s3")->result->checked_at, kT0 + 2004);
  EXPECT_EQ(store_->pending_check_count(), 0);
  EXPECT_EQ(database_.query_int("SELECT COUNT(*) FROM ine_results"), 4);
  EXPECT_TRUE(store_->claim_checks("c", kT0 + 1'000'000, 1000, 10).empty());  // done jobs stay done
}

TEST_F(CheckStoreTest, RetryChecksReleasesTheLeaseUntilTheNextRunUnderTheSameGuard) {
  submit_sessions(2);
  const auto claims = store_->claim_checks("a", kT0 + 10, 60'000, 10);
  ASSERT_EQ(claims.size(), 2U);
  std::vector<CheckRetry> retries;
  for (const auto& claim : claims) {
    retries.push_back(CheckRetry{claim.session_id, claim.attempts, kT0 + 5'000});
  }
  EXPECT_EQ(sessions_->retry_checks("intruder", retries), (std::vector<bool>{false, false}));
  std::vector<CheckRetry> stale = retries;
  stale[0].attempts += 1;  // not the current claim
  EXPECT_EQ(sessions_->retry_checks("a", stale), (std::vector<bool>{false, true}));
  EXPECT_TRUE(store_->claim_checks("b", kT0 + 4'999, 60'000, 10).empty());  // s0 leased, s1 not due
  EXPECT_EQ(sessions_->retry_checks("a", std::span(retries).first(1)), std::vector<bool>{true});
  EXPECT_EQ(database_.query_int("SELECT COUNT(*) FROM check_jobs WHERE lease_owner IS NULL AND next_run_at = " +
                                std::to_string(kT0 + 5'000)),
            2);
  const auto again = store_->claim_checks("b", kT0 + 5'000, 60'000, 10);
  ASSERT_EQ(again.size(), 2U);
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_EQ(store_->pending_check_count(), 2);
  EXPECT_TRUE(sessions_->retry_checks("a", {}).empty());
  EXPECT_TRUE(sessions_->complete_checks("a", {}, kT0).empty());
}

// Two stores (two nodes, or two processes on one SQLite file), three threads each,
// claiming in batches: every job is claimed once and completed exactly once.
TEST_F(CheckStoreTest, BatchClaimsAreExactlyOnceUnderConcurrentClaimers) {
  constexpr int kJobs = 300;
  constexpr int kThreadsPerNode = 3;
  submit_sessions(kJobs);
  std::vector<std::unique_ptr<Store>> nodes;
  nodes.push_back(open());
  nodes.push_back(open());

  std::mutex mutex;
  std::map<std::string, int> claims;
  std::map<std::string, int> completions;
  std::map<std::string, std::string> completed_by;
  std::atomic<int> errors = 0;
  std::atomic<bool> wrong_credential = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::vector<std::thread> threads;
  for (int node = 0; node < 2; ++node) {
    for (int t = 0; t < kThreadsPerNode; ++t) {
      threads.emplace_back([&, node] {
        const std::string owner = "node-" + std::to_string(node);
        sessions::SessionWorkflow node_sessions(*nodes[node], nullptr);
        try {
          while (std::chrono::steady_clock::now() < deadline) {
            // A lease far longer than the test: no claim can expire and be retaken.
            const auto batch = nodes[node]->claim_checks(owner, kT0 + kJobs, 3'600'000, 7);
            if (batch.empty()) {
              if (nodes[node]->pending_check_count() == 0) {
                return;
              }
              std::this_thread::yield();
              continue;
            }
            std::vector<sessions::CheckVerdict> done;
            for (const auto& claim : batch) {
              if (claim.attempts != 1 || claim.credential.cic != credentials_.at(claim.session_id).cic) {
                wrong_credential = true;
              }
              done.push_back(approved(claim));
            }
            {
              std::lock_guard lock(mutex);
              for (const auto& claim : batch) {
                ++claims[claim.session_id];
              }
            }
            const auto recorded = node_sessions.complete_checks(owner, done, kT0 + kJobs);
            // Completing the same batch again must record nothing.
            const auto again = node_sessions.complete_checks(owner, done, kT0 + kJobs);
            std::lock_guard lock(mutex);
            for (std::size_t i = 0; i < done.size(); ++i) {
              completions[done[i].claim.session_id] += (recorded[i] ? 1 : 0) + (again[i] ? 1 : 0);
              completed_by[done[i].claim.session_id] = owner;
            }
          }
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
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
  EXPECT_EQ(claims.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(completions.size(), static_cast<std::size_t>(kJobs));
  for (const auto& [id, count] : claims) {
    EXPECT_EQ(count, 1) << id;
  }
  int by_first = 0;
  for (const auto& [id, count] : completions) {
    EXPECT_EQ(count, 1) << id;
    by_first += completed_by[id] == "node-0" ? 1 : 0;
  }
  if (database_.backend() == testing::Backend::kPostgres) {
    // Both nodes took part. (SQLite's busy handler is not fair: one process may win
    // every write lock, which is allowed.)
    EXPECT_GT(by_first, 0);
    EXPECT_LT(by_first, kJobs);
  }
  EXPECT_EQ(store_->pending_check_count(), 0);
  EXPECT_EQ(database_.query_int("SELECT COUNT(*) FROM ine_results"), kJobs);
  EXPECT_EQ(database_.query_int("SELECT COUNT(*) FROM sessions WHERE status = 'approved'"), kJobs);
}

}  // namespace
}  // namespace inereg::store
