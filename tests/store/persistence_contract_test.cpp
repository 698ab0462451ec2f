// The persistence contract every backend passes: the WriteTransaction primitives the
// session workflow runs over (store/persistence.hpp), on a real SQLite file and a real
// PostgreSQL database when INEREG_TEST_POSTGRES_URL is set. Each primitive decides
// nothing: these tests write statuses the workflow never would, to show that.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "admin/registry_answer.hpp"
#include "auth/answer_box.hpp"
#include "backend_store_test.hpp"
#include "store/persistence.hpp"

namespace inereg::store {
namespace {

class PersistenceContractTest : public BackendStoreTest {
 protected:
  void SetUp() override { open_store(WebhookUrls{"https://hooks.example/d", "", "", "", ""}); }

  void insert(const std::string& id, const std::string& status, TimeMs created_at = kT0) {
    Session s;
    s.id = id;
    s.integration_id = "i1";
    s.status = status;
    s.created_at = created_at;
    store_->insert_session(s);
  }
};

TEST_P(PersistenceContractTest, UpdateSessionsAppliesOnlyWhileTheStatusIsTheExpectedOne) {
  insert("a", "one");
  insert("b", "one");
  Session a = *store_->find_session("a");
  a.status = "two";
  a.attempt_id = "att";
  a.submitted_at = kT0 + 1;
  a.decision_reason = "why";
  Session b = *store_->find_session("b");
  b.status = "three";
  Session unknown = b;
  unknown.id = "nope";
  {
    const auto tx = store_->begin_write();
    const std::vector<SessionUpdate> updates{{&a, "one"}, {&b, "other"}, {&unknown, "one"}};
    EXPECT_EQ(tx->update_sessions(updates), (std::vector<bool>{true, false, false}));
    EXPECT_FALSE(tx->update_session(a, "one"));  // already "two"
    tx->commit();
  }
  const auto stored = store_->find_session("a");
  EXPECT_EQ(stored->status, "two");
  EXPECT_EQ(stored->attempt_id, "att");
  EXPECT_EQ(stored->submitted_at, kT0 + 1);
  EXPECT_FALSE(stored->decided_at);
  EXPECT_EQ(stored->decision_reason, "why");
  EXPECT_EQ(store_->find_session("b")->status, "one");
}

TEST_P(PersistenceContractTest, ATransactionNotCommittedLeavesNothing) {
  insert("a", "one");
  {
    const auto tx = store_->begin_write();
    Session a = *tx->lock_session("a");
    a.status = "two";
    ASSERT_TRUE(tx->update_session(a, "one"));
    tx->insert_check_jobs(std::vector<NewCheckJob>{{"a", kT0, false, nullptr}});
  }
  EXPECT_EQ(store_->find_session("a")->status, "one");
  EXPECT_EQ(store_->pending_check_count(), 0);
}

// Concurrent writers, as the API's blocking threads are: on SQLite they share COMMITs
// (group commit, store/sqlite/group_commit.hpp), so a group mixes writes that commit with
// writes that fail half-way. A failed write leaves nothing, and takes nothing of the
// others with it.
TEST_P(PersistenceContractTest, ConcurrentWritesThatFailUndoOnlyThemselves) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    insert("s" + std::to_string(i), "one");
  }
  const auto fails = [](int i) { return i % 4 == 0; };
  std::atomic<int> unexpected{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int k = 0; k < kPerThread; ++k) {
        const int i = t * kPerThread + k;
        const std::string id = "s" + std::to_string(i);
        try {
          const auto tx = store_->begin_write();
          Session s = *tx->lock_session(id);
          s.status = "two";
          if (!tx->update_session(s, "one")) {
            ++unexpected;
          }
          tx->insert_check_jobs(std::vector<NewCheckJob>{{id, kT0, false, nullptr}});
          if (fails(i)) {
            tx->insert_check_jobs(
                std::vector<NewCheckJob>{{id, kT0, false, nullptr}});  // the job's key again: the write fails
            ++unexpected;
          }
          tx->commit();
        } catch (const StoreError&) {
          if (!fails(i)) {
            ++unexpected;
          }
        }
      }
    });
  }
  for (auto& writer : writers) {
    writer.join();
  }
  EXPECT_EQ(unexpected.load(), 0);
  int committed = 0;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    const auto stored = store_->find_session("s" + std::to_string(i));
    EXPECT_EQ(stored->status, fails(i) ? "one" : "two") << stored->id;
    committed += fails(i) ? 0 : 1;
  }
  EXPECT_EQ(store_->pending_check_count(), committed);
}

// Creates with their data keys, as the API makes them, from many threads at once (on
// PostgreSQL concurrent creates share one transaction: store/batched_calls.hpp): every one
// is stored with its fields and key, and a create whose id is taken fails alone.
TEST_P(PersistenceContractTest, ConcurrentCreatesAreEachStoredWithTheirKeyAndOnlyADuplicateFails) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  insert("taken", "created");
  const auto session_for = [](int i) {
    Session s;
    s.id = i % 10 == 0 ? "taken" : "c" + std::to_string(i);
    s.integration_id = "i1";
    s.status = "created";
    s.vendor_data = i % 2 == 0 ? std::optional<std::string>("v\"" + std::to_string(i) + "\\") : std::nullopt;
    s.person_json = R"({"firstName":"ANA"})";
    s.ine_document = i % 3 == 0;
    s.credential.cic = "12345678" + std::to_string(i % 10);
    s.created_at = kT0 + i;
    s.registry_checks = i % 2 == 0 ? RegistryChecks::kBoth : RegistryChecks::kIne;
    return s;
  };
  std::atomic<int> unexpected{0};
  std::vector<std::thread> creators;
  for (int t = 0; t < kThreads; ++t) {
    creators.emplace_back([&, t] {
      for (int k = 0; k < kPerThread; ++k) {
        const int i = t * kPerThread + k;
        const Session s = session_for(i);
        try {
          store_->insert_session_with_key(s, SessionKey{s.id, "k1", "sealed-" + std::to_string(i)});
          unexpected += s.id == "taken" ? 1 : 0;
        } catch (const StoreError&) {
          unexpected += s.id == "taken" ? 0 : 1;
        }
      }
    });
  }
  for (auto& creator : creators) {
    creator.join();
  }
  EXPECT_EQ(unexpected.load(), 0);
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    const Session expected = session_for(i);
    if (expected.id == "taken") {
      continue;
    }
    const auto stored = store_->find_session(expected.id);
    ASSERT_TRUE(stored.has_value()) << expected.id;
    EXPECT_EQ(stored->vendor_data, expected.vendor_data) << expected.id;
    EXPECT_EQ(stored->person_json, expected.person_json);
    EXPECT_EQ(stored->ine_document, expected.ine_document) << expected.id;
    EXPECT_EQ(stored->credential.cic, expected.credential.cic);
    EXPECT_EQ(stored->created_at, expected.created_at);
    EXPECT_EQ(stored->registry_checks, expected.registry_checks) << expected.id;
    const std::vector<std::string> ids{expected.id};
    const auto keys = store_->find_session_keys(ids);
    ASSERT_EQ(keys.size(), 1U) << expected.id;
    EXPECT_EQ(keys[0].sealed_key, "sealed-" + std::to_string(i));
  }
  EXPECT_TRUE(store_->find_session_keys(std::vector<std::string>{"taken"}).empty());
}

TEST_P(PersistenceContractTest, SessionsCreatedBeforeAreFilteredByTheBoundStatusesOldestFirst) {
  insert("young", "open", kT0 + 100);
  insert("old", "open", kT0);
  insert("older", "waiting", kT0 - 1);
  insert("other", "closed", kT0 - 2);
  const std::array<std::string_view, 2> statuses = {"open", "waiting"};
  const auto tx = store_->begin_write();
  const auto found = tx->lock_sessions_created_before(statuses, kT0 + 50, 10);
  ASSERT_EQ(found.size(), 2U);
  EXPECT_EQ(found[0].id, "older");
  EXPECT_EQ(found[1].id, "old");
  EXPECT_EQ(tx->lock_sessions_created_before(statuses, kT0 + 50, 1).size(), 1U);
  std::vector<std::string> ids{"old", "nope", "young"};
  EXPECT_EQ(tx->find_sessions(ids).size(), 2U);
}

// A job written claimed (a submit's hand-over to its node's pipeline) is exactly what a
// claim leaves: attempt 1 under the lease, not claimable again before the lease ends,
// finished only under that claim; taken over as attempt 2 once the lease has ended.
TEST_P(PersistenceContractTest, AJobWrittenClaimedIsLeasedAsAClaimWouldLeaveIt) {
  insert("s1", "x");
  insert("s2", "x");
  const CheckLease lease{"node-a", kT0 + 1'000};
  {
    const auto tx = store_->begin_write();
    tx->insert_check_jobs(std::vector<NewCheckJob>{{"s1", kT0, /*read_document=*/false, &lease},
                                                   {"s2", kT0, /*read_document=*/true, &lease}});
    tx->commit();
  }
  EXPECT_EQ(store_->pending_check_count(), 2);
  EXPECT_TRUE(store_->claim_checks("node-b", kT0 + 999, 1'000, 10).empty());
  {
    const auto tx = store_->begin_write();
    const std::vector<CheckClaim> wrong{{"s1", 0}, {"s1", 2}};
    EXPECT_EQ(tx->finish_claimed_checks("node-a", wrong), (std::vector<bool>{false, false}));
    const std::vector<CheckClaim> intruder{{"s1", 1}};
    EXPECT_EQ(tx->finish_claimed_checks("node-b", intruder), std::vector<bool>{false});
    const std::vector<CheckClaim> ours{{"s1", 1}};
    EXPECT_EQ(tx->finish_claimed_checks("node-a", ours), std::vector<bool>{true});
    tx->commit();
  }
  const auto taken_over = store_->claim_checks("node-b", kT0 + 1'000, 1'000, 10);
  ASSERT_EQ(taken_over.size(), 1U);
  EXPECT_EQ(taken_over[0].session_id, "s2");
  EXPECT_EQ(taken_over[0].attempts, 2);
  EXPECT_TRUE(taken_over[0].read_document);
  const auto tx = store_->begin_write();
  const std::vector<CheckClaim> expired{{"s2", 1}};
  EXPECT_EQ(tx->finish_claimed_checks("node-a", expired), std::vector<bool>{false});
}

TEST_P(PersistenceContractTest, ClaimedChecksFinishRetryAndReleaseOnlyUnderTheirClaim) {
  insert("s1", "x");
  insert("s2", "x");
  {
    const auto tx = store_->begin_write();
    tx->insert_check_jobs(std::vector<NewCheckJob>{{"s1", kT0, /*read_document=*/true, nullptr},
                                                   {"s2", kT0, /*read_document=*/false, nullptr}});
    tx->commit();
  }
  const auto claimed = store_->claim_checks("w", kT0, 1'000, 10);
  ASSERT_EQ(claimed.size(), 2U);
  const CheckClaim s1{"s1", 1};
  const CheckClaim s2{"s2", 1};
  const auto tx = store_->begin_write();
  EXPECT_FALSE(tx->release_read_check("intruder", s1, kT0 + 5));
  EXPECT_FALSE(tx->release_read_check("w", CheckClaim{"s1", 2}, kT0 + 5));
  EXPECT_TRUE(tx->release_read_check("w", s1, kT0 + 5));
  EXPECT_FALSE(tx->release_read_check("w", s1, kT0 + 5));  // released: no longer leased
  const std::vector<CheckClaim> stale{{"s2", 7}};          // not this claim's attempt count
  EXPECT_EQ(tx->finish_claimed_checks("w", stale), std::vector<bool>{false});
  const std::vector<CheckClaim> batch{s2, s1};
  EXPECT_EQ(tx->finish_claimed_checks("w", batch), (std::vector<bool>{true, false}));
  const std::vector<CheckRetry> retries{{"s2", 1, kT0 + 9}};
  EXPECT_EQ(tx->retry_claimed_checks("w", retries), std::vector<bool>{false});  // done already
  tx->commit();
  EXPECT_EQ(store_->pending_check_count(), 1);
  const auto again = store_->claim_checks("v", kT0 + 5, 1'000, 10);
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].session_id, "s1");
  EXPECT_FALSE(again[0].read_document);  // release_read_check: nothing left to read
}

TEST_P(PersistenceContractTest, DeliveriesAreQueuedInOrderAndFoundAgain) {
  insert("s1", "x");
  const std::vector<NewDelivery> queued{
      {"i1", "s1", WebhookKind::kEvent, "https://e", R"({"a":"\"quoted\" \\ body"})", kT0, std::nullopt},
      {"i1", "s1", WebhookKind::kIne, "https://i", "{}", kT0, std::nullopt},
      {"i1", "s1", WebhookKind::kDecision, "https://d", "{\"d\":1}", kT0, std::nullopt}};
  std::vector<std::int64_t> ids;
  {
    const auto tx = store_->begin_write();
    ids = tx->insert_deliveries(queued);
    ASSERT_EQ(ids.size(), 3U);
    EXPECT_LT(ids[0], ids[1]);
    EXPECT_LT(ids[1], ids[2]);
    const NewDelivery copy{"i1", "s1", WebhookKind::kIne, "https://j", "{}", kT0 + 1, ids[1]};
    EXPECT_GT(tx->insert_deliveries(std::span(&copy, 1)).front(), ids[2]);
    EXPECT_TRUE(tx->insert_deliveries({}).empty());
    tx->commit();
  }
  const auto tx = store_->begin_write();
  const auto first = tx->find_delivery(ids[0]);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->integration_id, "i1");
  EXPECT_EQ(first->session_id, "s1");
  EXPECT_EQ(first->kind, WebhookKind::kEvent);
  EXPECT_EQ(first->body, queued[0].body);
  EXPECT_FALSE(tx->find_delivery(ids[2] + 100));
  EXPECT_EQ(tx->webhook_urls("i1").decision, "https://hooks.example/d");
  EXPECT_FALSE(tx->webhook_urls("nope").any());
}

TEST_P(PersistenceContractTest, DeletionCountsArePrunedAndCountedPerIntegration) {
  auto tx = store_->begin_write();
  EXPECT_TRUE(tx->lock_integration("i1"));
  EXPECT_FALSE(tx->lock_integration("nope"));
  for (const TimeMs at : {kT0, kT0 + 10, kT0 + 20}) {
    tx->record_session_deletion("i1", "s" + std::to_string(at - kT0), at);
  }
  EXPECT_EQ(tx->recent_deletions("i1", kT0 - 1, 5), (std::vector<TimeMs>{kT0 + 20, kT0 + 10, kT0}));
  EXPECT_EQ(tx->recent_deletions("i1", kT0 - 1, 2), (std::vector<TimeMs>{kT0 + 20, kT0 + 10}));
  EXPECT_EQ(tx->recent_deletions("i1", kT0, 5), (std::vector<TimeMs>{kT0 + 20, kT0 + 10}));  // only after kT0
  EXPECT_TRUE(tx->recent_deletions("i2", 0, 5).empty());
  tx->commit();
  tx.reset();
  // The journal every node's result cache reads: the sessions deleted at or after a time.
  auto deleted = store_->sessions_deleted_since(kT0 + 10);
  std::sort(deleted.begin(), deleted.end());
  EXPECT_EQ(deleted, (std::vector<std::string>{"s10", "s20"}));
  EXPECT_TRUE(store_->sessions_deleted_since(kT0 + 21).empty());

  tx = store_->begin_write();
  tx->prune_session_deletions("i1", kT0 + 10);
  EXPECT_EQ(tx->recent_deletions("i1", 0, 5), std::vector<TimeMs>{kT0 + 20});
  tx->commit();
  EXPECT_EQ(store_->sessions_deleted_since(0), std::vector<std::string>{"s20"});
}

TEST_P(PersistenceContractTest, MediaUsageReadableDocumentsCredentialAndDeletion) {
  insert("s1", "x");
  insert("s2", "x");
  const auto tx = store_->begin_write();
  const std::vector<std::string> asked{"s1", "s2", "missing"};
  const std::vector<std::string> s1{"s1"};
  EXPECT_EQ(tx->media_usages(s1).at(0).files, 0);
  EXPECT_TRUE(tx->sessions_with_readable_document(asked).empty());
  Media media{"m1", "s1", "document-back", "image/png", 3, std::string(64, '0'), kT0};
  tx->insert_media(media, "abc");
  media.id = "m2";
  media.context = "face";
  tx->insert_media(media, "def");
  EXPECT_EQ(tx->media_usages(s1).at(0).files, 2);
  EXPECT_EQ(tx->media_usages(s1).at(0).bytes, 6);
  // s1 twice over (once per readable image); s2 has only images no reader takes.
  media.id = "m3";
  media.context = "document-front";
  tx->insert_media(media, "ghi");
  for (const auto* context : {"face", "document-front-face-cropped"}) {
    media.id = std::string("s2-") + context;
    media.session_id = "s2";
    media.context = context;
    tx->insert_media(media, "jkl");
  }
  EXPECT_EQ(tx->sessions_with_readable_document(asked), std::vector<std::string>{"s1"});
  // One usage per id asked, in the order asked.
  const std::vector<std::string> usage_of{"s2", "missing", "s1", "s2"};
  const auto usages = tx->media_usages(usage_of);
  ASSERT_EQ(usages.size(), 4U);
  EXPECT_EQ(usages[0].files, 2);
  EXPECT_EQ(usages[0].bytes, 6);
  EXPECT_EQ(usages[1].files, 0);
  EXPECT_EQ(usages[1].bytes, 0);
  EXPECT_EQ(usages[2].files, 3);
  EXPECT_EQ(usages[2].bytes, 9);
  EXPECT_EQ(usages[3].files, 2);
  ine::Credential read;
  read.cic = "187006412";
  tx->set_session_credential("s1", read);
  EXPECT_FALSE(tx->delete_session("s1", "other-integration"));
  tx->commit();
  EXPECT_EQ(store_->find_session("s1")->credential.cic, "187006412");
  EXPECT_EQ(store_->list_media("s1").size(), 3U);
  const auto remove = store_->begin_write();
  EXPECT_TRUE(remove->delete_session("s1", "i1"));
  remove->commit();
  EXPECT_FALSE(store_->find_session("s1"));
  EXPECT_FALSE(store_->find_media("m1"));
}

TEST_P(PersistenceContractTest, MediaOfOneContextIsDeletedAndPageTriesAreCountedPerSession) {
  insert("s1", "x");
  insert("s2", "x");
  {
    const auto tx = store_->begin_write();
    Media media{"m1", "s1", "document-back", "image/png", 3, std::string(64, '0'), kT0};
    tx->insert_media(media, "abc");
    media.id = "m2";
    media.context = "face";
    tx->insert_media(media, "def");
    media.id = "m3";
    media.session_id = "s2";
    media.context = "document-back";
    tx->insert_media(media, "ghi");
    tx->delete_media("s1", "document-back");
    EXPECT_EQ(tx->count_unreadable_photo("s1"), 1);
    EXPECT_EQ(tx->count_unreadable_photo("s1"), 2);
    EXPECT_EQ(tx->count_unreadable_photo("s2"), 1);
    tx->commit();
  }
  EXPECT_FALSE(store_->find_media("m1"));
  EXPECT_TRUE(store_->find_media("m2"));
  EXPECT_TRUE(store_->find_media("m3"));
  const auto tx = store_->begin_write();
  EXPECT_EQ(tx->count_unreadable_photo("s1"), 3) << "committed";
  tx->clear_unreadable_photos("s1");
  EXPECT_EQ(tx->count_unreadable_photo("s1"), 1);
  EXPECT_EQ(tx->count_unreadable_photo("s2"), 2);
  EXPECT_TRUE(tx->delete_session("s1", "i1"));
  EXPECT_EQ(tx->count_unreadable_photo("s2"), 3);
  tx->commit();
}

// A result keeps the source that answered and the registry's answer, sealed: the
// database holds no byte of the answer in clear, and only the same master key and
// session open it.
TEST_P(PersistenceContractTest, AResultKeepsItsSourceAndItsAnswerSealed) {
  insert("s1", "submitted");
  insert("s2", "submitted");
  const auto master = *auth::SecretBox::from_hex(std::string(64, 'a'));
  const auth::AnswerBox answers(master);
  const std::string answer = R"({"claveMensaje":"3","marcaEnClaro":"ANSWER-IN-CLEAR-7f3a"})";
  {
    const auto tx = store_->begin_write();
    const std::vector<SessionResult> results{
        {"s1", IneResult{true, "La credencial esta vigente", 1, kT0, "nubarium"}, answers.seal("s1", answer)},
        {"s2", IneResult{false, "No encontrada", 21, kT0, "local"}, ""}};
    tx->insert_ine_results(results);
    tx->commit();
  }
  EXPECT_EQ(store_->find_ine_answer("s1")->result->source, "nubarium");
  const auto recorded = store_->find_registry_answer("s1");
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded->source, "nubarium");
  EXPECT_EQ(recorded->checked_at, kT0);
  EXPECT_EQ(recorded->sealed_answer.find("ANSWER-IN-CLEAR"), std::string::npos);
  EXPECT_FALSE(answers.open("s2", recorded->sealed_answer));  // bound to its session
  EXPECT_FALSE(auth::AnswerBox(*auth::SecretBox::from_hex(std::string(64, 'b'))).open("s1", recorded->sealed_answer));

  const auto shown = admin::show_registry_answer(*store_, answers, "s1");
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->answer, answer);
  const auto none_kept = admin::show_registry_answer(*store_, answers, "s2");
  ASSERT_TRUE(none_kept);
  EXPECT_EQ(none_kept->source, "local");
  EXPECT_FALSE(none_kept->answer);
  EXPECT_FALSE(admin::show_registry_answer(*store_, answers, "nope"));

  if (GetParam() == "sqlite") {
    sessions_.reset();
    store_.reset();  // checkpoints the WAL into the file
    for (const auto& file : {dir_.file("store.db"), dir_.file("store.db-wal")}) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(bytes.find("ANSWER-IN-CLEAR"), std::string::npos) << file;
      EXPECT_EQ(bytes.find("marcaEnClaro"), std::string::npos) << file;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, PersistenceContractTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace inereg::store
