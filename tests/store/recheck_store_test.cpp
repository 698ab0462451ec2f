// Re-checks of decided sessions (issue 17) over both backends: the schedule driven by a
// controllable clock, the history, the guarded writes, and the one INE webhook a
// changed verdict queues — while the session's own answer and decision stay as they were.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "backend_store_test.hpp"
#include "checks/recheck_pace.hpp"
#include "checks/recheck_scheduler.hpp"
#include "ine/situation.hpp"
#include "registry/registry_file.hpp"
#include "veriff/webhooks.hpp"

namespace inereg::store {
namespace {

constexpr TimeMs kDayMs = 86'400'000;
constexpr TimeMs kDecidedAt = kT0 + 3;

const IneResult kVigente{true, "La credencial esta vigente", ine::kSituationVigente, 0};
const IneResult kStolen{false, "¡Esta credencial fue reportada como robada!", 29, 0};

class RecheckStoreTest : public BackendStoreTest {
 protected:
  void SetUp() override { open_store(urls_); }

  // A session decided by the registry with `result` at kDecidedAt.
  void decided_session(const std::string& id, const IneResult& result, const std::string& integration = "i1") {
    Session s;
    s.id = id;
    s.integration_id = integration;
    s.ine_document = true;
    s.credential = synthetic_.next().credential;
    credentials_[id] = s.credential;
    s.vendor_data = "vendor-" + id;
    s.created_at = kT0;
    sessions_->create(s);
    ASSERT_EQ(sessions_->submit(id, "a-" + id, kT0 + 1).outcome, sessions::SubmitResult::Outcome::kSubmitted);
    const auto claimed = store_->claim_checks("w0", kT0 + 2, kLease, 1);
    ASSERT_EQ(claimed.size(), 1U);
    const std::vector<sessions::CheckVerdict> verdict{{{id, claimed[0].attempts}, result}};
    ASSERT_EQ(sessions_->complete_checks("w0", verdict, kDecidedAt), std::vector<bool>{true});
  }

  std::int64_t request(const std::string& session_id, TimeMs now) {
    RecheckSelection which;
    which.session_id = session_id;
    return sessions_->request_rechecks(which, recheck_by::kOperator, now);
  }

  // Claims due re-checks in a transaction of their own, unpaced (RecheckPaceTest paces them).
  std::vector<ClaimedCheck> claim_rechecks(const std::string& owner, TimeMs now, int limit) {
    const auto tx = store_->begin_write();
    auto claimed = tx->claim_rechecks(owner, now, kLease, limit);
    tx->commit();
    return claimed;
  }

  // Claims the one due re-check and records `verdict` (nullopt: no answer) as `owner`.
  sessions::RecheckRecorded answer(const std::optional<IneResult>& verdict, TimeMs now,
                                   const std::string& owner = "w1") {
    const auto claimed = claim_rechecks(owner, now, 10);
    if (claimed.size() != 1U) {
      ADD_FAILURE() << "claimed " << claimed.size() << " re-checks, expected 1";
      return sessions::RecheckRecorded::kClaimLost;
    }
    const sessions::RecheckAnswer answer{
        {*claimed[0].recheck_id, claimed[0].attempts}, claimed[0].session_id, verdict, "test-source"};
    return sessions_->complete_rechecks(owner, std::span(&answer, 1), now).front();
  }

  std::vector<ClaimedDelivery> ine_deliveries(TimeMs now) {
    std::vector<ClaimedDelivery> ine;
    // Leased for good: each call sees only the deliveries queued since the last.
    for (auto& d : store_->claim_webhook_deliveries("d1", now, 1'000 * kDayMs, 100)) {
      if (d.kind == WebhookKind::kIne) {
        ine.push_back(std::move(d));
      }
    }
    return ine;
  }

  static std::string event_type(const ClaimedDelivery& d) {
    return std::string(boost::json::parse(d.body).at("eventType").as_string());
  }

  void expect_original_answer_kept(const std::string& id, const IneResult& original) {
    const auto answer = store_->find_ine_answer(id);
    ASSERT_TRUE(answer && answer->result);
    EXPECT_EQ(answer->result->active, original.active);
    EXPECT_EQ(answer->result->document_state, original.document_state);
    EXPECT_EQ(answer->result->checked_at, kDecidedAt);
    EXPECT_EQ(answer->status, original.active ? "approved" : "declined");
    EXPECT_EQ(store_->find_session(id)->decided_at, kDecidedAt);
  }

  registry::SyntheticRegistry synthetic_{17};
  std::map<std::string, ine::Credential> credentials_;
  const WebhookUrls urls_{"https://hooks.example/decision", "", "https://hooks.example/ine"};
};

TEST_P(RecheckStoreTest, TheScheduleComesDueAfterTheIntervalOnTheInjectedClock) {
  decided_session("s1", kVigente);
  TimeMs now = kDecidedAt;
  checks::RecheckOptions options;
  int woken = 0;
  checks::RecheckScheduler scheduler(
      *store_, *sessions_, options, [&] { return now; }, [&](std::int64_t) { ++woken; });

  now = kDecidedAt + 60 * kDayMs;
  EXPECT_EQ(scheduler.sweep_once(), 0) << "recheck.interval is off by default";

  ASSERT_TRUE(store_->set_integration_recheck_interval("i1", 30 * kDayMs));
  EXPECT_EQ(store_->find_integration("i1")->recheck_interval_ms, 30 * kDayMs);
  now = kDecidedAt + 30 * kDayMs - 1;
  EXPECT_EQ(scheduler.sweep_once(), 0);
  now = kDecidedAt + 30 * kDayMs;
  EXPECT_EQ(scheduler.sweep_once(), 1);
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(scheduler.sweep_once(), 0) << "one re-check pending per session";
  auto history = store_->list_rechecks("s1");
  ASSERT_EQ(history.size(), 1U);
  EXPECT_EQ(history[0].requested_by, recheck_by::kSchedule);
  EXPECT_EQ(history[0].requested_at, now);
  EXPECT_FALSE(history[0].checked_at);

  // Answered: the next one is due an interval after that re-check was requested.
  const TimeMs first = now;
  EXPECT_EQ(answer(kVigente, first + 5), sessions::RecheckRecorded::kSameVerdict);
  now = first + 30 * kDayMs - 1;
  EXPECT_EQ(scheduler.sweep_once(), 0);
  now = first + 30 * kDayMs;
  EXPECT_EQ(scheduler.sweep_once(), 1);

  // Off again: nothing more is scheduled (what is pending still runs).
  EXPECT_EQ(answer(kVigente, now + 5), sessions::RecheckRecorded::kSameVerdict);
  ASSERT_TRUE(store_->set_integration_recheck_interval("i1", 0));
  now += 365 * kDayMs;
  EXPECT_EQ(scheduler.sweep_once(), 0);
  EXPECT_EQ(store_->list_rechecks("s1").size(), 2U);
}

TEST_P(RecheckStoreTest, ADeactivatedIntegrationIsNotRechecked) {
  decided_session("s1", kVigente);
  ASSERT_TRUE(store_->set_integration_recheck_interval("i1", kDayMs));
  ASSERT_TRUE(store_->set_integration_active("i1", false));
  checks::RecheckScheduler scheduler(*store_, *sessions_, {}, [] { return kDecidedAt + 2 * kDayMs; }, {});
  EXPECT_EQ(scheduler.sweep_once(), 0);
}

TEST_P(RecheckStoreTest, AChangedVerdictQueuesExactlyOneIneWebhookAndKeepsTheOriginalAnswer) {
  decided_session("s1", kVigente);
  ine_deliveries(kT0 + 10);  // the decision's own INE webhook, out of the way
  ASSERT_EQ(request("s1", kT0 + 100), 1);
  EXPECT_EQ(answer(kStolen, kT0 + 200), sessions::RecheckRecorded::kVerdictChanged);

  const auto ine = ine_deliveries(kT0 + 300);
  ASSERT_EQ(ine.size(), 1U);
  EXPECT_EQ(ine[0].url, urls_.ine);
  EXPECT_EQ(ine[0].session_id, "s1");
  EXPECT_EQ(ine[0].body, R"({"eventType":"inereg.ine_registry.verdict_changed","sessionId":"s1","attemptId":"a-s1",)"
                         R"("vendorData":"vendor-s1","endUserId":null,"version":"1.0.0",)"
                         R"("time":"2023-11-14T22:13:20.200Z","data":{"status":"La credencial no es válida",)"
                         R"("code":200,"details":{"active":false,"documentState":)"
                         R"("¡Esta credencial fue reportada como robada!"},"previous":{"active":true,)"
                         R"("documentState":"La credencial esta vigente"}}})");
  EXPECT_EQ(event_type(ine[0]), veriff::kIneVerdictChangedEvent);
  expect_original_answer_kept("s1", kVigente);

  const auto history = store_->list_rechecks("s1");
  ASSERT_EQ(history.size(), 1U);
  EXPECT_EQ(history[0].outcome, recheck_outcome::kVerdict);
  EXPECT_EQ(history[0].checked_at, kT0 + 200);
  ASSERT_TRUE(history[0].result);
  EXPECT_FALSE(history[0].result->active);
  EXPECT_EQ(history[0].result->situation, 29);
  EXPECT_TRUE(history[0].changed);
  EXPECT_EQ(history[0].source, "test-source");

  // Compared with the latest verdict: stolen again is no change; vigente again is one.
  ASSERT_EQ(request("s1", kT0 + 400), 1);
  EXPECT_EQ(answer(kStolen, kT0 + 500), sessions::RecheckRecorded::kSameVerdict);
  EXPECT_TRUE(ine_deliveries(kT0 + 600).empty());
  ASSERT_EQ(request("s1", kT0 + 700), 1);
  EXPECT_EQ(answer(kVigente, kT0 + 800), sessions::RecheckRecorded::kVerdictChanged);
  const auto back = ine_deliveries(kT0 + 900);
  ASSERT_EQ(back.size(), 1U);
  EXPECT_EQ(event_type(back[0]), veriff::kIneVerdictChangedEvent);
  expect_original_answer_kept("s1", kVigente);
  EXPECT_EQ(store_->list_rechecks("s1").size(), 3U);
}

TEST_P(RecheckStoreTest, AnUnchangedVerdictOrNoAnswerQueuesNothing) {
  decided_session("s1", kVigente);
  ine_deliveries(kT0 + 10);
  ASSERT_EQ(request("s1", kT0 + 100), 1);
  EXPECT_EQ(answer(kVigente, kT0 + 200), sessions::RecheckRecorded::kSameVerdict);
  ASSERT_EQ(request("s1", kT0 + 300), 1);
  EXPECT_EQ(answer(std::nullopt, kT0 + 400), sessions::RecheckRecorded::kNoAnswer);
  EXPECT_TRUE(ine_deliveries(kT0 + 500).empty());
  expect_original_answer_kept("s1", kVigente);
  const auto history = store_->list_rechecks("s1");
  ASSERT_EQ(history.size(), 2U);
  EXPECT_FALSE(history[0].changed);
  EXPECT_EQ(history[1].outcome, recheck_outcome::kNoAnswer);
  EXPECT_FALSE(history[1].result);
  EXPECT_FALSE(history[1].changed);
}

TEST_P(RecheckStoreTest, OnlyTheCurrentClaimRecordsAReCheck) {
  decided_session("s1", kVigente);
  ine_deliveries(kT0 + 10);
  ASSERT_EQ(request("s1", kT0 + 100), 1);
  const auto lost = claim_rechecks("w1", kT0 + 100, 10);
  ASSERT_EQ(lost.size(), 1U);
  // w1's lease expires; w2 claims the same re-check again.
  EXPECT_EQ(answer(kVigente, kT0 + 100 + kLease + 1, "w2"), sessions::RecheckRecorded::kSameVerdict);
  const sessions::RecheckAnswer late{{*lost[0].recheck_id, lost[0].attempts}, "s1", kStolen, ""};
  EXPECT_EQ(sessions_->complete_rechecks("w1", std::span(&late, 1), kT0 + 5'000).front(),
            sessions::RecheckRecorded::kClaimLost);
  EXPECT_TRUE(ine_deliveries(kT0 + 6'000).empty());
  ASSERT_EQ(store_->list_rechecks("s1").size(), 1U);
  EXPECT_TRUE(store_->list_rechecks("s1")[0].result->active);
}

TEST_P(RecheckStoreTest, ARetriedReCheckIsDueAgainUnderItsClaimOnly) {
  decided_session("s1", kVigente);
  ASSERT_EQ(request("s1", kT0 + 100), 1);
  const auto claimed = claim_rechecks("w1", kT0 + 100, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_EQ(claimed[0].session_id, "s1");
  EXPECT_EQ(claimed[0].credential.cic, credentials_["s1"].cic);  // looked up like the session's own check
  EXPECT_EQ(claimed[0].credential.ocr, credentials_["s1"].ocr);
  const RecheckRetry retry{{*claimed[0].recheck_id, claimed[0].attempts}, kT0 + 5'000};
  EXPECT_EQ(sessions_->retry_rechecks("w2", std::span(&retry, 1)), std::vector<bool>{false});
  EXPECT_EQ(sessions_->retry_rechecks("w1", std::span(&retry, 1)), std::vector<bool>{true});
  EXPECT_TRUE(claim_rechecks("w1", kT0 + 4'999, 10).empty());
  const auto again = claim_rechecks("w1", kT0 + 5'000, 10);
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_FALSE(store_->list_rechecks("s1")[0].checked_at);
}

TEST_P(RecheckStoreTest, OperatorRequestsSelectSessionsWithAResult) {
  decided_session("s1", kVigente);
  decided_session("s2", kStolen);
  // Not decided by the registry: submitted without lookup data, no result to re-check.
  Session bare;
  bare.id = "s3";
  bare.integration_id = "i1";
  bare.ine_document = true;
  bare.created_at = kT0;
  sessions_->create(bare);
  ASSERT_EQ(sessions_->submit("s3", "a", kT0 + 1).outcome, sessions::SubmitResult::Outcome::kSubmitted);

  EXPECT_EQ(request("s3", kT0 + 10), 0);
  EXPECT_EQ(request("nope", kT0 + 10), 0);

  RecheckSelection before;
  before.integration_id = "i1";
  before.decided_before = kDecidedAt;
  EXPECT_EQ(sessions_->request_rechecks(before, recheck_by::kOperator, kT0 + 10), 0);
  before.decided_before = kDecidedAt + 1;
  before.limit = 1;  // one page per session: paging reaches both
  EXPECT_EQ(sessions_->request_rechecks(before, recheck_by::kOperator, kT0 + 10), 2);
  RecheckSelection other;
  other.integration_id = "i2";
  other.decided_before = kDecidedAt + 1;
  EXPECT_EQ(sessions_->request_rechecks(other, recheck_by::kOperator, kT0 + 10), 0);

  // Asked again: still one pending each, due at the earlier time.
  EXPECT_EQ(request("s1", kT0 + 5), 1);
  EXPECT_EQ(store_->list_rechecks("s1").size(), 1U);
  EXPECT_EQ(claim_rechecks("w1", kT0 + 5, 10).size(), 1U);
}

TEST_P(RecheckStoreTest, DeletingTheSessionDeletesItsHistory) {
  decided_session("s1", kVigente);
  ASSERT_EQ(request("s1", kT0 + 100), 1);
  EXPECT_EQ(answer(kVigente, kT0 + 200), sessions::RecheckRecorded::kSameVerdict);
  ASSERT_EQ(request("s1", kT0 + 300), 1);
  const auto pending = claim_rechecks("w1", kT0 + 300, 10);
  ASSERT_EQ(pending.size(), 1U);
  const DeleteRateLimit unlimited{0, 0};
  ASSERT_EQ(sessions_->delete_session("s1", "i1", unlimited, kT0 + 400).outcome,
            sessions::DeleteResult::Outcome::kDeleted);
  EXPECT_TRUE(store_->list_rechecks("s1").empty());
  const sessions::RecheckAnswer late{{*pending[0].recheck_id, pending[0].attempts}, "s1", kStolen, ""};
  EXPECT_EQ(sessions_->complete_rechecks("w1", std::span(&late, 1), kT0 + 500).front(),
            sessions::RecheckRecorded::kClaimLost);
}

// checks::RecheckPace over the recheck_pace row (migration 12): one bucket for every
// node on the database, taken only for re-checks actually claimed. Times are driven.
class RecheckPaceTest : public RecheckStoreTest {
 protected:
  static constexpr int kPerSecond = 100;  // 10 ms apart, bursts of 5 (a twentieth)
  static constexpr int kBurst = 5;

  // `count` decided sessions, each with a re-check due from kT0 + 10.
  void due_rechecks(int count) {
    for (int i = 0; i < count; ++i) {
      decided_session("s" + std::to_string(i), kVigente);
    }
    RecheckSelection all;
    all.integration_id = "i1";
    all.decided_before = kDecidedAt + 1;
    ASSERT_EQ(sessions_->request_rechecks(all, recheck_by::kOperator, kT0 + 10), count);
  }
};

TEST_P(RecheckPaceTest, TwoNodesOnOneDatabaseShareOneBucket) {
  due_rechecks(80);
  const auto other_node = another_handle();
  checks::RecheckPace one(*store_, kPerSecond);
  checks::RecheckPace two(*other_node, kPerSecond);
  constexpr TimeMs kStart = kT0 + 100;

  // The first node empties the bucket; the second finds it empty and learns when to come back.
  const auto first = one.claim("n1", kStart, kLease, 100);
  EXPECT_EQ(first.rechecks.size(), static_cast<std::size_t>(kBurst));
  const auto second = two.claim("n2", kStart, kLease, 100);
  EXPECT_EQ(second.allowed, 0);
  EXPECT_TRUE(second.rechecks.empty());
  EXPECT_EQ(second.next_allowed_at, kStart + 10);

  // Both nodes claiming in turn for half a second, at irregular times: together never more
  // than rate × t + burst, and the rate is reached.
  std::size_t started = first.rechecks.size();
  TimeMs elapsed = 0;
  for (elapsed = 7; elapsed <= 500; elapsed += 7) {
    started += two.claim("n2", kStart + elapsed, kLease, 100).rechecks.size();
    started += one.claim("n1", kStart + elapsed, kLease, 100).rechecks.size();
    EXPECT_LE(started, static_cast<std::size_t>(kPerSecond * elapsed / 1'000 + kBurst)) << "after " << elapsed << " ms";
  }
  elapsed -= 7;
  EXPECT_EQ(started, static_cast<std::size_t>(kPerSecond * elapsed / 1'000 + kBurst));
}

TEST_P(RecheckPaceTest, NodesClaimingAtTheSameMomentTakeOneBurstBetweenThem) {
  due_rechecks(40);
  const auto other_node = another_handle();
  checks::RecheckPace one(*store_, kPerSecond);
  checks::RecheckPace two(*other_node, kPerSecond);
  std::atomic<std::size_t> started{0};
  // Four threads, two per node, each claiming again and again at one instant: the row's
  // lock makes them take turns, so the burst is all they get together.
  std::vector<std::thread> claimers;
  for (int t = 0; t < 4; ++t) {
    claimers.emplace_back([&, t] {
      auto& pace = t % 2 == 0 ? one : two;
      for (int i = 0; i < 10; ++i) {
        started += pace.claim("n" + std::to_string(t), kT0 + 100, kLease, 3).rechecks.size();
      }
    });
  }
  for (auto& claimer : claimers) {
    claimer.join();
  }
  EXPECT_EQ(started.load(), static_cast<std::size_t>(kBurst));
}

TEST_P(RecheckPaceTest, AStartIsSpentOnlyOnAClaimedReCheck) {
  due_rechecks(2);
  checks::RecheckPace pace(*store_, kPerSecond);
  // Two due, five allowed: the three left stay in the bucket.
  const auto few = pace.claim("n1", kT0 + 100, kLease, 100);
  EXPECT_EQ(few.rechecks.size(), 2U);
  EXPECT_EQ(few.allowed, kBurst);
  for (const auto& claimed : few.rechecks) {
    const sessions::RecheckAnswer answer{{*claimed.recheck_id, claimed.attempts}, claimed.session_id, kVigente, ""};
    ASSERT_EQ(sessions_->complete_rechecks("n1", std::span(&answer, 1), kT0 + 100).front(),
              sessions::RecheckRecorded::kSameVerdict);
  }
  RecheckSelection all;
  all.integration_id = "i1";
  all.decided_before = kDecidedAt + 1;
  ASSERT_EQ(sessions_->request_rechecks(all, recheck_by::kOperator, kT0 + 100), 2);
  EXPECT_EQ(pace.claim("n1", kT0 + 100, kLease, 100).rechecks.size(), 2U);
  const auto rest = pace.claim("n1", kT0 + 100, kLease, 100);
  EXPECT_EQ(rest.allowed, 1);
  EXPECT_TRUE(rest.rechecks.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, RecheckPaceTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(Backends, RecheckStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace inereg::store
