// The session lifecycle and the webhook outbox: the session workflow over both
// backends, a real SQLite file and a real PostgreSQL database when
// INEREG_TEST_POSTGRES_URL is set (scripts/pg-test-server.sh start DIR prints one;
// without it those cases skip).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "backend_store_test.hpp"
#include "registry/registry_file.hpp"
#include "store/store.hpp"
#include "util/time.hpp"
#include "webhooks/payloads.hpp"

namespace inereg::store {
namespace {

// Deletions here test the webhooks and erasure, not the rate limit: a limit no test reaches.
constexpr DeleteRateLimit kGenerousDeleteLimit{1000, 1000};

// Fails every compose: a change whose webhooks cannot be built must not happen.
class FailingComposer final : public OutboxComposer {
 public:
  std::vector<WebhookDraft> compose(const SessionChange&) const override {
    throw std::runtime_error("composer failed on purpose");
  }
};

class OutboxStoreTest : public BackendStoreTest {
 protected:
  void SetUp() override { open_store(urls_); }

  // `lookup_data`: typed credential data the submit looks up; without it the submit
  // decides resubmission_requested at once (no media is uploaded here).
  Session add_session(const std::string& id, TimeMs created_at = kT0, bool lookup_data = true) {
    Session s;
    s.id = id;
    s.integration_id = "i1";
    s.ine_document = true;
    if (lookup_data) {
      s.credential = synthetic_.next().credential;
    }
    s.person_json = R"({"firstName":"ANA","lastName":"PRUEBA"})";
    s.document_json = R"({"country":"MX","type":"ID_CARD"})";
    s.vendor_data = "vendor-" + id;
    s.created_at = created_at;
    return sessions_->create(s);
  }

  std::vector<WebhookDelivery> deliveries_of(const std::string& session_id) {
    DeliveryFilter filter;
    filter.session_id = session_id;
    auto all = store_->list_webhook_deliveries(filter);
    std::reverse(all.begin(), all.end());  // oldest first
    return all;
  }

  // Claims the one due check job as `owner` (the pipeline's batch claim, limit > 1 so a
  // second job would show).
  ClaimedCheck claim_the_check(const std::string& owner, TimeMs now) {
    auto claimed = store_->claim_checks(owner, now, kLease, 10);
    if (claimed.size() != 1U) {
      ADD_FAILURE() << "claimed " << claimed.size() << " checks, expected 1";
      return ClaimedCheck{};
    }
    return claimed.front();
  }

  // The bodies of the claimed deliveries, keyed by delivery id.
  static boost::json::object parse(const std::string& body) { return boost::json::parse(body).as_object(); }

  registry::SyntheticRegistry synthetic_{7};
  const WebhookUrls urls_{"https://hooks.example/decision", "https://hooks.example/events", "https://hooks.example/ine",
                          "", ""};
};

TEST_P(OutboxStoreTest, CompleteChecksQueuesIneAndDecisionWebhooksInItsTransaction) {
  add_session("s1");
  ASSERT_EQ(sessions_->submit("s1", "a1", kT0 + 1).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  const ClaimedCheck claim = claim_the_check("w1", kT0 + 2);
  const std::vector<sessions::CheckVerdict> verdict{
      {{"s1", claim.attempts}, IneResult{true, "La credencial esta vigente", 1, 0}}};
  ASSERT_EQ(sessions_->complete_checks("w1", verdict, kT0 + 3), std::vector<bool>{true});
  const auto all = deliveries_of("s1");
  ASSERT_EQ(all.size(), 3U);  // submitted event, INE, decision
  EXPECT_EQ(all[0].kind, WebhookKind::kEvent);
  EXPECT_EQ(all[1].kind, WebhookKind::kIne);
  EXPECT_EQ(all[1].url, urls_.ine);
  EXPECT_EQ(all[2].kind, WebhookKind::kDecision);
  EXPECT_EQ(all[2].url, urls_.decision);
  for (const auto& d : all) {
    EXPECT_EQ(d.state, DeliveryState::kPending);
    EXPECT_EQ(d.attempts, 0);
    EXPECT_GT(d.body_bytes, 0);
  }
  // The bodies, as the worker will send them.
  auto claimed = store_->claim_webhook_deliveries("d1", kT0 + 10, kLease, 10);
  ASSERT_EQ(claimed.size(), 3U);
  for (const auto& c : claimed) {
    const auto body = parse(c.body);
    EXPECT_EQ(c.api_key, "key-i1");
    if (c.kind == WebhookKind::kIne) {
      EXPECT_EQ(c.body, R"({"eventType":"ine_registry","sessionId":"s1","attemptId":"a1","vendorData":"vendor-s1",)"
                        R"("endUserId":null,"version":"1.0.0","time":"2023-11-14T22:13:20.003Z","data":{"status":)"
                        R"("La credencial es válida","code":200,"details":{"active":true,"documentState":)"
                        R"("La credencial esta vigente"}}})");
    } else if (c.kind == WebhookKind::kDecision) {
      EXPECT_EQ(body.at("verification").at("status").as_string(), "approved");
      EXPECT_EQ(body.at("verification").at("code").as_int64(), 9001);
      EXPECT_EQ(body.at("verification").at("decisionTime").as_string(), "2023-11-14T22:13:20.003Z");
    } else {
      EXPECT_EQ(c.body, R"({"id":"s1","attemptId":"a1","feature":"selfid","code":7002,"action":"submitted",)"
                        R"("vendorData":"vendor-s1","endUserId":null})");
    }
  }
}

TEST_P(OutboxStoreTest, LostLeaseQueuesNothing) {
  add_session("s1");
  ASSERT_EQ(sessions_->submit("s1", "a1", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  const ClaimedCheck lost = claim_the_check("w1", kT0);
  claim_the_check("w2", kT0 + kLease + 1);  // w1's lease expired, w2 took over
  const std::vector<sessions::CheckVerdict> verdict{{{"s1", lost.attempts}, IneResult{true, "x", 1, 0}}};
  EXPECT_EQ(sessions_->complete_checks("w1", verdict, kT0 + kLease + 2), std::vector<bool>{false});
  EXPECT_EQ(deliveries_of("s1").size(), 1U);  // only the submitted event
}

TEST_P(OutboxStoreTest, AFailingComposerRollsTheChangeBack) {
  add_session("s1");
  ASSERT_EQ(sessions_->submit("s1", "a1", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  const ClaimedCheck claim = claim_the_check("w1", kT0);
  const std::vector<sessions::CheckVerdict> verdict{{{"s1", claim.attempts}, IneResult{true, "x", 1, 0}}};
  sessions::SessionWorkflow failing(*store_, std::make_shared<FailingComposer>());
  EXPECT_ANY_THROW(failing.complete_checks("w1", verdict, kT0 + 1));
  // Neither the result nor the decision happened: the check is still pending, and a
  // worker completes it once webhooks can be built again.
  EXPECT_EQ(store_->find_session("s1")->status, "submitted");
  EXPECT_FALSE(store_->find_ine_answer("s1")->result);
  EXPECT_EQ(store_->pending_check_count(), 1);
  add_session("s2");
  EXPECT_ANY_THROW(failing.start("s2", "a2", kT0));
  EXPECT_EQ(store_->find_session("s2")->status, "created");
  EXPECT_EQ(deliveries_of("s2").size(), 0U);

  EXPECT_EQ(sessions_->complete_checks("w1", verdict, kT0 + 2), std::vector<bool>{true});
  EXPECT_EQ(deliveries_of("s1").size(), 3U);
}

TEST_P(OutboxStoreTest, OnlyConfiguredUrlsAreQueuedAndTheUrlIsSnapshotted) {
  ASSERT_TRUE(store_->set_integration_webhooks("i1", WebhookUrls{"https://hooks.example/decision", "", "", "", ""}));
  add_session("s1", kT0, /*lookup_data=*/false);
  ASSERT_EQ(sessions_->start("s1", "a1", kT0), sessions::StartOutcome::kStarted);  // no event URL: nothing
  ASSERT_EQ(sessions_->submit("s1", "ignored", kT0 + 1).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  auto all = deliveries_of("s1");
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].kind, WebhookKind::kDecision);
  // Changing the URL later does not redirect a queued delivery.
  ASSERT_TRUE(store_->set_integration_webhooks("i1", WebhookUrls{"https://elsewhere.example/d", "", "", "", ""}));
  EXPECT_EQ(deliveries_of("s1")[0].url, "https://hooks.example/decision");
  // The attempt id given at start is kept by submit.
  EXPECT_EQ(store_->find_session("s1")->attempt_id, "a1");
  ASSERT_TRUE(store_->set_integration_webhooks("i1", WebhookUrls{}));
  add_session("s2");
  ASSERT_EQ(sessions_->start("s2", "a2", kT0), sessions::StartOutcome::kStarted);
  EXPECT_EQ(deliveries_of("s2").size(), 0U);
  EXPECT_EQ(store_->find_integration_webhooks("i1")->decision, "");
  EXPECT_FALSE(store_->find_integration_webhooks("nope"));
}

TEST_P(OutboxStoreTest, StartSessionOnlyFromCreated) {
  add_session("s1");
  EXPECT_EQ(sessions_->start("s1", "a1", kT0), sessions::StartOutcome::kStarted);
  EXPECT_EQ(sessions_->start("s1", "a2", kT0), sessions::StartOutcome::kNotAllowed);
  EXPECT_EQ(sessions_->start("nope", "a3", kT0), sessions::StartOutcome::kNotFound);
  const auto session = store_->find_session("s1");
  EXPECT_EQ(session->status, "started");
  EXPECT_EQ(session->attempt_id, "a1");
  const auto all = deliveries_of("s1");
  ASSERT_EQ(all.size(), 1U);  // one started event, not two
  const auto claimed = store_->claim_webhook_deliveries("d", kT0, kLease, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_EQ(parse(claimed[0].body).at("code").as_int64(), 7001);
  EXPECT_EQ(parse(claimed[0].body).at("action").as_string(), "started");
}

TEST_P(OutboxStoreTest, ClaimLeaseRetryDeliverAndGiveUp) {
  add_session("s1", kT0, /*lookup_data=*/false);
  ASSERT_EQ(sessions_->start("s1", "a1", kT0), sessions::StartOutcome::kStarted);
  ASSERT_EQ(sessions_->submit("s1", "a1", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  ASSERT_EQ(deliveries_of("s1").size(), 3U);  // started, submitted, decision

  auto first = store_->claim_webhook_deliveries("d1", kT0, kLease, 2);
  ASSERT_EQ(first.size(), 2U);  // the limit holds
  EXPECT_EQ(first[0].attempts, 1);
  auto second = store_->claim_webhook_deliveries("d2", kT0, kLease, 10);
  ASSERT_EQ(second.size(), 1U);  // leased rows are not handed out twice
  EXPECT_NE(second[0].id, first[0].id);
  EXPECT_NE(second[0].id, first[1].id);
  EXPECT_TRUE(store_->claim_webhook_deliveries("d3", kT0 + 1, kLease, 10).empty());

  // Delivered by the lease holder; another owner cannot record.
  const WebhookAttempt ok{kT0 + 5, 200, "", 12};
  EXPECT_FALSE(store_->record_webhook_attempt(first[0].id, "d2", ok, DeliveryState::kDelivered, kT0 + 5));
  EXPECT_TRUE(store_->record_webhook_attempt(first[0].id, "d1", ok, DeliveryState::kDelivered, kT0 + 5));
  EXPECT_FALSE(store_->record_webhook_attempt(first[0].id, "d1", ok, DeliveryState::kDelivered, kT0 + 5));

  // A failure retried later: not due before next_attempt_at, due after.
  const WebhookAttempt refused{kT0 + 6, std::nullopt, "connect: Connection refused", 3};
  EXPECT_TRUE(store_->record_webhook_attempt(first[1].id, "d1", refused, DeliveryState::kPending, kT0 + 500));
  EXPECT_TRUE(store_->claim_webhook_deliveries("d4", kT0 + 499, kLease, 10).empty());
  auto again = store_->claim_webhook_deliveries("d4", kT0 + 500, kLease, 10);
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].id, first[1].id);
  EXPECT_EQ(again[0].attempts, 2);

  // An expired lease is taken over; the old holder can no longer record.
  auto taken = store_->claim_webhook_deliveries("d5", kT0 + kLease + 1, kLease, 10);
  ASSERT_EQ(taken.size(), 1U);
  EXPECT_EQ(taken[0].id, second[0].id);
  EXPECT_FALSE(store_->record_webhook_attempt(second[0].id, "d2", ok, DeliveryState::kDelivered, kT0));
  const WebhookAttempt failed{kT0 + kLease + 2, 500, "", 7};
  EXPECT_TRUE(store_->record_webhook_attempt(second[0].id, "d5", failed, DeliveryState::kFailed, kT0));

  DeliveryFilter failed_only;
  failed_only.state = DeliveryState::kFailed;
  const auto gave_up = store_->list_webhook_deliveries(failed_only);
  ASSERT_EQ(gave_up.size(), 1U);
  EXPECT_EQ(gave_up[0].id, second[0].id);
  EXPECT_EQ(gave_up[0].last_status, 500);
  ASSERT_EQ(gave_up[0].history.size(), 1U);  // the takeover's attempt only: d2 never recorded
  EXPECT_EQ(gave_up[0].history[0].http_status, 500);
  EXPECT_EQ(gave_up[0].history[0].duration_ms, 7);

  DeliveryFilter delivered_only;
  delivered_only.state = DeliveryState::kDelivered;
  const auto delivered = store_->list_webhook_deliveries(delivered_only);
  ASSERT_EQ(delivered.size(), 1U);
  EXPECT_EQ(delivered[0].delivered_at, kT0 + 5);
  EXPECT_EQ(store_->pending_webhook_count(), 1);  // first[1], leased to d4
  DeliveryFilter all;
  for (const auto& d : store_->list_webhook_deliveries(all)) {
    if (d.id == first[1].id) {
      ASSERT_EQ(d.history.size(), 1U);
      EXPECT_FALSE(d.history[0].http_status);
      EXPECT_EQ(d.history[0].error, "connect: Connection refused");
    }
  }
}

TEST_P(OutboxStoreTest, ExpirySweepDecidesOpenSessionsOnceWithTheirDecisionWebhook) {
  add_session("never-opened", kT0);
  add_session("opened", kT0);
  add_session("submitted", kT0);
  add_session("young", kT0 + 10'000);
  ASSERT_EQ(sessions_->start("opened", "a-opened", kT0 + 1), sessions::StartOutcome::kStarted);
  ASSERT_EQ(sessions_->submit("submitted", "a-sub", kT0 + 2).outcome, sessions::SubmitResult::Outcome::kSubmitted);

  EXPECT_EQ(sessions_->expire(kT0 + 5'000, kT0 + 20'000, 100), 2);
  EXPECT_EQ(store_->find_session("never-opened")->status, "expired");
  EXPECT_EQ(store_->find_session("opened")->status, "abandoned");
  EXPECT_EQ(store_->find_session("opened")->decided_at, kT0 + 20'000);
  EXPECT_EQ(store_->find_session("submitted")->status, "submitted");
  EXPECT_EQ(store_->find_session("young")->status, "created");
  EXPECT_EQ(sessions_->expire(kT0 + 5'000, kT0 + 30'000, 100), 0);  // a second sweep decides nothing

  for (const auto& [id, expected] : {std::pair{"never-opened", "expired"}, std::pair{"opened", "abandoned"}}) {
    const auto all = deliveries_of(id);
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all.back().kind, WebhookKind::kDecision) << id;
  }
  auto claimed = store_->claim_webhook_deliveries("d", kT0 + 20'000, kLease, 100);
  int decisions = 0;
  for (const auto& c : claimed) {
    if (c.kind != WebhookKind::kDecision) {
      continue;
    }
    ++decisions;
    const auto v = parse(c.body).at("verification").as_object();
    EXPECT_EQ(v.at("code").as_int64(), 9104);
    EXPECT_EQ(v.at("status").as_string(), c.session_id == "opened" ? "abandoned" : "expired");
  }
  EXPECT_EQ(decisions, 2);

  // The limit bounds one sweep; the rest wait for the next.
  add_session("old-1", kT0);
  add_session("old-2", kT0);
  EXPECT_EQ(sessions_->expire(kT0 + 5'000, kT0 + 40'000, 1), 1);
  EXPECT_EQ(sessions_->expire(kT0 + 5'000, kT0 + 40'000, 1), 1);
  EXPECT_EQ(sessions_->expire(kT0 + 5'000, kT0 + 40'000, 1), 0);
}

TEST_P(OutboxStoreTest, DeleteSendsExpiredOrAbandonedAndErasesFinishedBodies) {
  add_session("created");
  add_session("started");
  add_session("approved");
  ASSERT_EQ(sessions_->start("started", "a1", kT0), sessions::StartOutcome::kStarted);
  ASSERT_EQ(sessions_->submit("approved", "a2", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  const ClaimedCheck claim = claim_the_check("w", kT0);
  const std::vector<sessions::CheckVerdict> verdict{{{"approved", claim.attempts}, IneResult{true, "x", 1, 0}}};
  ASSERT_EQ(sessions_->complete_checks("w", verdict, kT0 + 1), std::vector<bool>{true});
  // Deliver everything queued so far.
  for (const auto& c : store_->claim_webhook_deliveries("d", kT0 + 2, kLease, 100)) {
    ASSERT_TRUE(store_->record_webhook_attempt(c.id, "d", WebhookAttempt{kT0 + 3, 200, "", 1},
                                               DeliveryState::kDelivered, kT0 + 3));
  }

  constexpr TimeMs kDeletedAt = kT0 + 10;
  for (const char* id : {"created", "started", "approved"}) {
    ASSERT_EQ(sessions_->delete_session(id, "i1", kGenerousDeleteLimit, kDeletedAt).outcome,
              sessions::DeleteResult::Outcome::kDeleted)
        << id;
  }
  auto created = deliveries_of("created");
  ASSERT_EQ(created.size(), 1U);
  EXPECT_EQ(created[0].state, DeliveryState::kPending);
  auto started = deliveries_of("started");
  ASSERT_EQ(started.size(), 2U);
  EXPECT_EQ(started[0].body_bytes, 0);  // the delivered started event lost its body with the session
  EXPECT_EQ(started[1].state, DeliveryState::kPending);
  for (const auto& d : deliveries_of("approved")) {
    EXPECT_EQ(d.state, DeliveryState::kDelivered);  // a decided session sends nothing on delete
    EXPECT_EQ(d.body_bytes, 0);
  }
  // The deletion's webhooks are due at, and decided at, the time of the deletion.
  EXPECT_TRUE(store_->claim_webhook_deliveries("d", kDeletedAt - 1, kLease, 100).empty());
  const TimeMs later = kDeletedAt + 1;
  const auto sent = store_->claim_webhook_deliveries("d", kDeletedAt, kLease, 100);
  EXPECT_EQ(sent.size(), 2U);
  for (const auto& c : sent) {
    const auto v = parse(c.body).at("verification").as_object();
    EXPECT_EQ(v.at("status").as_string(), c.session_id == "created" ? "expired" : "abandoned");
    EXPECT_EQ(v.at("code").as_int64(), 9104);
    EXPECT_EQ(v.at("decisionTime").as_string(), util::format_iso8601_ms(kDeletedAt));
    // Sent after the deletion, then the body goes too.
    ASSERT_TRUE(
        store_->record_webhook_attempt(c.id, "d", WebhookAttempt{later, 200, "", 1}, DeliveryState::kDelivered, later));
  }
  EXPECT_EQ(deliveries_of("created")[0].body_bytes, 0);
  EXPECT_EQ(sessions_->redeliver(created[0].id, kT0 + 12).outcome, sessions::RedeliverResult::Outcome::kBodyErased);
}

TEST_P(OutboxStoreTest, RedeliverQueuesACopyToTheCurrentUrl) {
  add_session("s1");
  ASSERT_EQ(sessions_->start("s1", "a1", kT0), sessions::StartOutcome::kStarted);
  auto claimed = store_->claim_webhook_deliveries("d", kT0, kLease, 10);
  ASSERT_EQ(claimed.size(), 1U);
  ASSERT_TRUE(store_->record_webhook_attempt(claimed[0].id, "d", WebhookAttempt{kT0, 200, "", 1},
                                             DeliveryState::kDelivered, kT0));
  ASSERT_TRUE(store_->set_integration_webhooks("i1", WebhookUrls{"", "https://new.example/events", "", "", ""}));
  const auto result = sessions_->redeliver(claimed[0].id, kT0 + 100);
  ASSERT_EQ(result.outcome, sessions::RedeliverResult::Outcome::kQueued);
  auto copy = store_->claim_webhook_deliveries("d", kT0 + 100, kLease, 10);
  ASSERT_EQ(copy.size(), 1U);
  EXPECT_EQ(copy[0].id, result.delivery_id);
  EXPECT_EQ(copy[0].body, claimed[0].body);  // byte for byte
  EXPECT_EQ(copy[0].url, "https://new.example/events");
  EXPECT_EQ(copy[0].created_at, kT0 + 100);  // a fresh retry window
  const auto listed = deliveries_of("s1");
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[0].state, DeliveryState::kDelivered);  // the original keeps its history
  EXPECT_EQ(listed[1].redelivery_of, claimed[0].id);

  EXPECT_EQ(sessions_->redeliver(999'999, kT0).outcome, sessions::RedeliverResult::Outcome::kNotFound);
  ASSERT_TRUE(store_->set_integration_webhooks("i1", WebhookUrls{}));
  EXPECT_EQ(sessions_->redeliver(claimed[0].id, kT0).outcome, sessions::RedeliverResult::Outcome::kNoUrl);
}

INSTANTIATE_TEST_SUITE_P(Backends, OutboxStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace inereg::store
