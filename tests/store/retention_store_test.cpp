// Retention (issue 15, item 3) on both backends: the sweep purges exactly a session's
// personal data once its integration's period after the decision (or expiry) has passed,
// keeps the decision, status, results and timestamps, prunes delivered webhook rows, and
// counts what it did; two nodes sweeping at once purge each session once. A real SQLite
// file, and a real PostgreSQL database when INEREG_TEST_POSTGRES_URL is set.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backend_store_test.hpp"
#include "registry/registry_file.hpp"
#include "sessions/retention_sweeper.hpp"
#include "store/store.hpp"
#include "webhooks/payloads.hpp"

namespace inereg::store {
namespace {

constexpr TimeMs kDay = 86'400'000;
constexpr std::string_view kSealedAnswer = "sealed-registry-answer-of-a-synthetic-person";

class RetentionStoreTest : public BackendStoreTest {
 protected:
  void SetUp() override {
    open_store(urls_);
    if (IsSkipped()) {
      return;
    }
    ASSERT_TRUE(store_->set_integration_retention("i1", kDay, 2 * kDay));
  }

  Session add_session(const std::string& id, const std::string& integration_id = "i1", TimeMs created_at = kT0) {
    Session s;
    s.id = id;
    s.integration_id = integration_id;
    s.ine_document = true;
    s.credential = synthetic_.next().credential;
    s.person_json = R"({"firstName":"ANA","lastName":"PRUEBA","idNumber":"X"})";
    s.document_json = R"({"number":"123456789","country":"MX","type":"ID_CARD"})";
    s.vendor_data = "vendor-" + id;
    s.end_user_id = "4f2a3f52-27d9-4b67-9f0b-4a7a4b1f3c11";
    s.created_at = created_at;
    return sessions_->create(s);
  }

  void add_image(const std::string& session_id, const std::string& media_id) {
    Media media;
    media.id = media_id;
    media.session_id = session_id;
    media.context = "document-front";
    media.mimetype = "image/jpeg";
    media.size = 5;
    media.sha256 = std::string(64, 'a');
    media.created_at = kT0;
    ASSERT_EQ(sessions_->add_media(media, "\xFF\xD8\xFF\xE0x", MediaLimits{}), sessions::MediaOutcome::kStored);
  }

  // Submits the session and records an active verdict with a sealed answer at `at`.
  void decide(const std::string& session_id, TimeMs at) {
    ASSERT_EQ(sessions_->submit(session_id, "a-" + session_id, at - 2).outcome,
              sessions::SubmitResult::Outcome::kSubmitted);
    const auto claimed = store_->claim_checks("w", at - 1, kLease, 10);
    ASSERT_EQ(claimed.size(), 1U);
    sessions::CheckVerdict verdict{{session_id, claimed[0].attempts},
                                   IneResult{true, "La credencial esta vigente", 1, at - 1, "local"}};
    verdict.sealed_answer = std::string(kSealedAnswer);
    ASSERT_EQ(sessions_->complete_checks("w", std::span(&verdict, 1), at), std::vector<bool>{true});
  }

  std::vector<WebhookDelivery> deliveries_of(const std::string& session_id) {
    DeliveryFilter filter;
    filter.session_id = session_id;
    auto all = store_->list_webhook_deliveries(filter);
    std::reverse(all.begin(), all.end());  // oldest first
    return all;
  }

  // Claims every due delivery and records each as delivered at `at`, except those of
  // `keep_pending` kind, which stay pending (a failed attempt).
  void deliver_all(TimeMs at, std::optional<WebhookKind> keep_pending = std::nullopt) {
    for (const auto& d : store_->claim_webhook_deliveries("d", at, kLease, 100)) {
      const bool pending = keep_pending && d.kind == *keep_pending;
      const WebhookAttempt attempt{at, pending ? 500 : 200, "", 1};
      ASSERT_TRUE(store_->record_webhook_attempt(d.id, "d", attempt,
                                                 pending ? DeliveryState::kPending : DeliveryState::kDelivered, at));
    }
  }

  RetentionRun sweep(TimeMs now, Store* store = nullptr, int batch = 200) {
    Store& on = store != nullptr ? *store : *store_;
    sessions::SessionWorkflow workflow(on, nullptr);
    sessions::RetentionSweeper sweeper(on, workflow, sessions::RetentionOptions{60'000, batch}, [now] { return now; });
    return sweeper.sweep_once();
  }

  registry::SyntheticRegistry synthetic_{11};
  const WebhookUrls urls_{"https://hooks.example/decision", "https://hooks.example/events", "https://hooks.example/ine",
                          "", ""};
};

TEST_P(RetentionStoreTest, PurgesExactlyThePersonalDataOnceThePeriodAfterTheDecisionHasPassed) {
  const Session before = add_session("s1");
  add_image("s1", "m1");
  decide("s1", kT0 + 100);
  deliver_all(kT0 + 200, WebhookKind::kDecision);  // event and INE delivered, the decision still pending
  RecheckSelection which;
  which.session_id = "s1";
  ASSERT_EQ(sessions_->request_rechecks(which, recheck_by::kOperator, kT0 + 300), 1);
  const auto answer_before = store_->find_ine_answer("s1");

  // Just before the period has passed: nothing.
  EXPECT_EQ(sweep(kT0 + 100 + kDay - 1).sessions_purged, 0);
  EXPECT_EQ(store_->find_session("s1")->person_json, before.person_json);

  const auto run = sweep(kT0 + 100 + kDay);
  EXPECT_EQ(run.sessions_purged, 1);
  EXPECT_EQ(run.webhooks_pruned, 0);
  const auto after = store_->find_session("s1");
  ASSERT_TRUE(after);
  // Gone: the person and document objects, vendorData, endUserId, every identifier.
  EXPECT_EQ(after->person_json, "{}");
  EXPECT_EQ(after->document_json, "{}");
  EXPECT_FALSE(after->vendor_data);
  EXPECT_FALSE(after->end_user_id);
  for (const auto* field :
       {&after->credential.cic, &after->credential.citizen_id, &after->credential.ocr, &after->credential.elector_key,
        &after->credential.emission_number, &after->credential.curp}) {
    EXPECT_EQ(*field, "");
  }
  // Kept: status, decision, attempt, timestamps, the result.
  EXPECT_EQ(after->status, "approved");
  EXPECT_EQ(after->attempt_id, "a-s1");
  EXPECT_EQ(after->created_at, kT0);
  EXPECT_EQ(after->submitted_at, kT0 + 98);
  EXPECT_EQ(after->decided_at, kT0 + 100);
  EXPECT_EQ(after->integration_id, "i1");
  const auto answer_after = store_->find_ine_answer("s1");
  ASSERT_TRUE(answer_after && answer_after->result);
  EXPECT_EQ(answer_after->status, answer_before->status);
  EXPECT_EQ(answer_after->result->active, answer_before->result->active);
  EXPECT_EQ(answer_after->result->document_state, answer_before->result->document_state);
  EXPECT_EQ(answer_after->result->checked_at, answer_before->result->checked_at);
  // The raw registry answer, the media and their bytes, the pending re-check: gone.
  const auto registry_answer = store_->find_registry_answer("s1");
  ASSERT_TRUE(registry_answer);
  EXPECT_EQ(registry_answer->sealed_answer, "");
  EXPECT_EQ(registry_answer->source, "local");
  EXPECT_TRUE(store_->list_media("s1").empty());
  EXPECT_FALSE(store_->find_media("m1"));
  const auto rechecks = store_->list_rechecks("s1");
  EXPECT_TRUE(std::none_of(rechecks.begin(), rechecks.end(), [](const Recheck& r) { return r.outcome.empty(); }));
  // Finished webhook bodies are erased; the pending one is still sent, then erased.
  auto deliveries = deliveries_of("s1");
  ASSERT_EQ(deliveries.size(), 3U);
  for (const auto& d : deliveries) {
    if (d.state == DeliveryState::kPending) {
      EXPECT_GT(d.body_bytes, 0) << "a pending webhook is still delivered";
    } else {
      EXPECT_EQ(d.body_bytes, 0) << webhook_kind_name(d.kind);
    }
  }
  deliver_all(kT0 + 100 + kDay + 10);
  for (const auto& d : deliveries_of("s1")) {
    EXPECT_EQ(d.state, DeliveryState::kDelivered);
    EXPECT_EQ(d.body_bytes, 0) << webhook_kind_name(d.kind);
  }
  // A purged session is never re-checked (nothing left to look up) nor purged again.
  which.session_id.reset();
  which.integration_id = "i1";
  EXPECT_EQ(sessions_->request_rechecks(which, recheck_by::kOperator, kT0 + 2 * kDay), 0);
  EXPECT_EQ(sweep(kT0 + 3 * kDay).sessions_purged, 0);
  EXPECT_EQ(store_->find_session("s1")->decided_at, kT0 + 100);
}

TEST_P(RetentionStoreTest, OnlyDueSessionsOfIntegrationsWithARetentionArePurged) {
  Integration other;
  other.id = "i2";
  other.name = "keeps";
  other.api_key = "key-i2";
  other.created_at = kT0;
  store_->create_integration(other, "sealed");  // no retention set: kept until DELETE
  add_session("decided-early");
  decide("decided-early", kT0 + 100);
  add_session("decided-late");
  decide("decided-late", kT0 + kDay);
  add_session("open", "i1", kT0 + kDay);  // created later: neither decided nor expired
  add_session("expired");                 // expires below: its period starts at its expiry
  add_session("other", "i2");
  decide("other", kT0 + 100);
  ASSERT_EQ(store_->find_session("other")->status, "approved");
  add_session("submitted-only");  // awaiting its check: never purged (the check needs the data)
  ASSERT_EQ(sessions_->submit("submitted-only", "a", kT0 + 50).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  ASSERT_EQ(sessions_->expire(kT0, kT0 + 500, 10), 1);

  EXPECT_EQ(sweep(kT0 + 500 + kDay - 1).sessions_purged, 1);  // decided-early only
  EXPECT_EQ(sweep(kT0 + 500 + kDay).sessions_purged, 1);      // expired, a day after its expiry
  for (const auto* id : {"decided-early", "expired"}) {
    EXPECT_EQ(store_->find_session(id)->person_json, "{}") << id;
  }
  for (const auto* id : {"decided-late", "open", "submitted-only", "other"}) {
    EXPECT_NE(store_->find_session(id)->person_json, "{}") << id;
  }
  EXPECT_EQ(store_->find_session("expired")->status, "expired");
}

TEST_P(RetentionStoreTest, DeliveredWebhookRowsArePrunedAfterTheirPeriodAndCounted) {
  add_session("s1");
  decide("s1", kT0 + 100);
  deliver_all(kT0 + 200, WebhookKind::kDecision);  // event + INE delivered at +200
  deliver_all(kT0 + kDay);                         // the decision delivered a day later
  // A redelivery of a delivered row keeps working when the original is pruned.
  const auto original = deliveries_of("s1").front().id;
  const auto copy = sessions_->redeliver(original, kT0 + kDay + 1);
  ASSERT_EQ(copy.outcome, sessions::RedeliverResult::Outcome::kQueued);

  const auto first = sweep(kT0 + 200 + 2 * kDay - 1);
  EXPECT_EQ(first.webhooks_pruned, 0);
  EXPECT_EQ(first.sessions_purged, 1);  // its personal data was due a day after the decision
  const auto run = sweep(kT0 + 200 + 2 * kDay);
  EXPECT_EQ(run.webhooks_pruned, 2);
  EXPECT_EQ(run.sessions_purged, 0);
  auto left = deliveries_of("s1");
  ASSERT_EQ(left.size(), 2U);  // the decision (delivered later) and the pending copy
  EXPECT_EQ(left[0].kind, WebhookKind::kDecision);
  EXPECT_EQ(left[1].id, copy.delivery_id);
  EXPECT_FALSE(left[1].redelivery_of) << "the copy forgets the pruned original";

  const auto report = store_->retention_report();
  ASSERT_EQ(report.integrations.size(), 1U);
  EXPECT_EQ(report.integrations[0].integration_id, "i1");
  EXPECT_EQ(report.integrations[0].sessions_purged, 1);
  EXPECT_EQ(report.integrations[0].webhooks_pruned, 2);
  EXPECT_EQ(report.integrations[0].last_purged_at, kT0 + 200 + 2 * kDay - 1);
  EXPECT_EQ(report.integrations[0].last_pruned_at, kT0 + 200 + 2 * kDay);
  ASSERT_TRUE(report.last_run);
  EXPECT_EQ(report.last_run->ran_at, kT0 + 200 + 2 * kDay);
  EXPECT_EQ(report.last_run->sessions_purged, 0);
  EXPECT_EQ(report.last_run->webhooks_pruned, 2);

  // Later sweeps add to the counts; the last run is the latest sweep's.
  deliver_all(kT0 + 3 * kDay);  // the copy
  const auto later = sweep(kT0 + 10 * kDay);
  EXPECT_EQ(later.webhooks_pruned, 2);
  const auto after = store_->retention_report();
  EXPECT_EQ(after.integrations[0].sessions_purged, 1);
  EXPECT_EQ(after.integrations[0].webhooks_pruned, 4);
  EXPECT_EQ(after.integrations[0].last_purged_at, kT0 + 200 + 2 * kDay - 1);
  EXPECT_EQ(after.last_run->ran_at, kT0 + 10 * kDay);
  EXPECT_EQ(after.last_run->webhooks_pruned, 2);
  EXPECT_TRUE(deliveries_of("s1").empty());
}

TEST_P(RetentionStoreTest, TwoNodesSweepingAtOncePurgeEachSessionOnce) {
  constexpr int kSessions = 60;
  for (int i = 0; i < kSessions; ++i) {
    const std::string id = "s" + std::to_string(100 + i);
    add_session(id);
    decide(id, kT0 + 100 + i);
  }
  const TimeMs now = kT0 + 2 * kDay;
  auto node_a = another_handle();
  auto node_b = another_handle();
  std::atomic<std::int64_t> purged{0};
  std::thread a([&] { purged += sweep(now, node_a.get(), 7).sessions_purged; });
  std::thread b([&] { purged += sweep(now, node_b.get(), 7).sessions_purged; });
  a.join();
  b.join();
  EXPECT_EQ(purged.load(), kSessions);
  EXPECT_EQ(store_->retention_report().integrations.at(0).sessions_purged, kSessions);
  for (int i = 0; i < kSessions; ++i) {
    EXPECT_EQ(store_->find_session("s" + std::to_string(100 + i))->person_json, "{}");
  }
}

TEST_P(RetentionStoreTest, RetentionIsSetPerIntegrationAndReadBack) {
  const auto i1 = store_->find_integration("i1");
  ASSERT_TRUE(i1);
  EXPECT_EQ(i1->retention_ms, kDay);
  EXPECT_EQ(i1->delivered_webhook_retention_ms, 2 * kDay);
  ASSERT_TRUE(store_->set_integration_retention("i1", 0, 0));
  EXPECT_EQ(store_->find_integration_by_api_key("key-i1")->retention_ms, 0);
  EXPECT_FALSE(store_->set_integration_retention("nope", kDay, kDay));
  EXPECT_FALSE(store_->retention_report().last_run);
}

INSTANTIATE_TEST_SUITE_P(Backends, RetentionStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace inereg::store
