// CURP checks and the combined INE+CURP result (issue 16): GET …/decision/curp-registry
// and …/combined-ine-curp-registry over a real socket, the session's decision, the
// webhooks each result queues, an outage of the CURP source, and which checks an
// integration's sessions get. Runs on SQLite and PostgreSQL (INEREG_TEST_BACKEND).
#include <map>
#include <set>

#include "ine/curp_status.hpp"
#include "registry/curp_registry.hpp"
#include "registry/upstream_protocol.hpp"
#include "service_fixture.hpp"
#include "support/fake_upstream.hpp"
#include "support/wait_until.hpp"

namespace inereg::component {
namespace {

using store::RegistryChecks;
using store::WebhookKind;

constexpr std::uint64_t kCurpSeed = 16'016;
constexpr std::string_view kVigente = "La credencial esta vigente";

// The webhooks queued for a session, by kind, with their bodies.
std::multimap<WebhookKind, std::string> queued_webhooks(store::Store& store, const std::string& session_id) {
  store::DeliveryFilter filter;
  filter.session_id = session_id;
  std::multimap<WebhookKind, std::string> queued;
  const auto tx = store.begin_write();
  for (const auto& delivery : store.list_webhook_deliveries(filter)) {
    queued.emplace(delivery.kind, tx->find_delivery(delivery.id).value().body);
  }
  return queued;
}

boost::json::object only_body(const std::multimap<WebhookKind, std::string>& queued, WebhookKind kind) {
  EXPECT_EQ(queued.count(kind), 1U) << store::webhook_kind_name(kind);
  const auto found = queued.find(kind);
  return found == queued.end() ? boost::json::object() : parse_object(found->second);
}

std::string curp_body(std::string_view status, std::string_view curp) {
  return boost::json::serialize(boost::json::object{{"statusCurp", status}, {"curp", curp}});
}

// A service whose RENAPO snapshot holds one synthetic CURP per catalog status, whose
// integration gets `checks()`, and which sends every webhook kind to a loopback URL
// nothing listens on (deliveries stay queued; the outbox is what is checked).
class CurpTest : public ComponentTest {
 protected:
  virtual RegistryChecks checks() const { return RegistryChecks::kCurp; }

  void SetUp() override {
    ComponentTest::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    registry::SyntheticCurps synthetic(kCurpSeed);
    std::vector<store::CurpRegistryEntry> entries;
    const auto hash = app::curp_registry_keys(service().secret_box()).current;
    for (const auto& status : ine::curp_statuses()) {
      curps_[status.id] = synthetic.make(status.id).curp;
      entries.push_back({hash(curps_[status.id]), status.id});
    }
    unknown_curp_ = synthetic.make(1).curp;  // drawn, never imported
    service().store().upsert_curp_registry_entries(entries);
    ASSERT_TRUE(service().store().set_integration_registry_checks(client_->integration_id(), checks()));
    const std::string hook = "http://127.0.0.1:9/hook";
    ASSERT_TRUE(service().store().set_integration_webhooks(client_->integration_id(),
                                                           store::WebhookUrls{hook, "", hook, hook, hook}));
  }

  // An INE credential (vigente unless told otherwise) with `curp`.
  ine::Credential with_curp(const std::string& curp, const ine::Credential& ine_data) const {
    ine::Credential credential = ine_data;
    credential.curp = curp;
    return credential;
  }
  ine::Credential with_curp(const std::string& curp) const { return with_curp(curp, vigente_.credential); }

  HttpReply wait_curp_registry(const std::string& id) const {
    HttpReply reply;
    EXPECT_TRUE(testing::wait_until(
        [&] {
          reply = client_->curp_registry(id);
          return reply.status != 404;
        },
        kWaitDeadline, "the CURP result"));
    return reply;
  }

  HttpReply wait_combined(const std::string& id) const {
    HttpReply reply;
    EXPECT_TRUE(testing::wait_until(
        [&] {
          reply = client_->combined_registry(id);
          return reply.status != 404;
        },
        kWaitDeadline, "the combined result"));
    return reply;
  }

  std::map<int, std::string> curps_;  // catalog id -> an imported CURP with that status
  std::string unknown_curp_;
};

TEST_F(CurpTest, EveryStatusOfTheCatalogAnswersItsBodyDecisionAndWebhookOnce) {
  for (const auto& status : ine::curp_statuses()) {
    SCOPED_TRACE(std::string(status.code));
    const std::string& curp = curps_.at(status.id);
    const auto id = client_->create_and_submit(ine_body(with_curp(curp)));
    const auto reply = wait_curp_registry(id);
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, curp_body(status.code, curp));
    expect_signed(reply, *client_);
    const auto decision = client_->wait_decision(id);
    EXPECT_EQ(text_of(decision.at("verification").at("status")), status.active ? "approved" : "declined");

    const auto queued = queued_webhooks(service().store(), id);
    const auto webhook = only_body(queued, WebhookKind::kCurp);
    EXPECT_EQ(text_of(webhook.at("type")), "curp_registry");
    EXPECT_EQ(text_of(webhook.at("id")), id);
    const auto& data = webhook.at("data").as_object();
    EXPECT_EQ(text_of(data.at("name")), "curp_registry");
    EXPECT_EQ(text_of(data.at("status")), "found");
    EXPECT_EQ(data.at("code").as_int64(), 200);
    EXPECT_EQ(boost::json::serialize(data.at("details")),
              boost::json::serialize(boost::json::object{
                  {"statusCurp", status.code}, {"curp", curp}, {"description", status.description}}));
    EXPECT_EQ(queued.count(WebhookKind::kDecision), 1U);
    EXPECT_EQ(queued.count(WebhookKind::kIne), 0U) << "a CURP-only session runs no INE check";
    EXPECT_EQ(queued.count(WebhookKind::kIneCurp), 0U);
  }
}

TEST_F(CurpTest, ACurpWithoutRecordIsStatusNullAndDeclined) {
  const auto id = client_->create_and_submit(ine_body(with_curp(unknown_curp_)));
  const auto reply = wait_curp_registry(id);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"statusCurp":null,"curp":")" + unknown_curp_ + R"("})");
  EXPECT_EQ(text_of(client_->wait_decision(id).at("verification").at("status")), "declined");
  const auto webhook = only_body(queued_webhooks(service().store(), id), WebhookKind::kCurp);
  EXPECT_EQ(text_of(webhook.at("data").at("status")), "not_found");
}

TEST_F(CurpTest, ASessionWithoutCurpCannotBeCheckedStatusNullAndResubmission) {
  const auto id = client_->create_and_submit(ine_body(vigente_.credential));
  EXPECT_EQ(text_of(client_->wait_decision(id).at("verification").at("status")), "resubmission_requested");
  const auto reply = client_->curp_registry(id);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"statusCurp":null,"curp":null})");
  const auto queued = queued_webhooks(service().store(), id);
  EXPECT_EQ(queued.count(WebhookKind::kCurp), 0U) << "no check ran: no CURP result to send";
  EXPECT_EQ(queued.count(WebhookKind::kDecision), 1U);
}

TEST_F(CurpTest, TheIneEndpointOfACurpOnlyIntegrationIsNotFound) {
  const auto id = client_->create_and_submit(ine_body(with_curp(curps_.at(1))));
  ASSERT_EQ(wait_curp_registry(id).status, 200);
  const auto ine = client_->ine_registry(id);
  EXPECT_EQ(ine.status, 404);
  EXPECT_EQ(ine.body, kNotFoundBody);
  EXPECT_FALSE(ine.has_header("retry-after"));
  const auto combined = client_->combined_registry(id);
  EXPECT_EQ(combined.status, 404);
  EXPECT_EQ(combined.body, kNotFoundBody);
}

TEST_F(CurpTest, ASessionKeepsTheChecksOfItsIntegrationWhenItWasCreated) {
  const auto id = client_->create(ine_body(with_curp(curps_.at(4))));
  ASSERT_TRUE(service().store().set_integration_registry_checks(client_->integration_id(), RegistryChecks::kIne));
  ASSERT_EQ(client_->submit(id).status, 200);
  EXPECT_EQ(wait_curp_registry(id).body, curp_body("RCN", curps_.at(4)));
  EXPECT_EQ(client_->ine_registry(id).status, 404);
}

TEST_F(CurpTest, TheRoutesRequireTheVersionAndAnswerAnotherIntegrationNotFound) {
  const auto id = client_->create_and_submit(ine_body(with_curp(curps_.at(1))));
  ASSERT_EQ(wait_curp_registry(id).status, 200);
  expect_error(client_->curp_registry(id, ""), 400, "1102");
  expect_error(client_->curp_registry(id, "?version=v9"), 400, "1104");
  for (const auto& reply : {other_client_->curp_registry(id), other_client_->combined_registry(id),
                            other_client_->curp_registry(auth::random_uuid_v4())}) {
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.body, kNotFoundBody);
    EXPECT_FALSE(reply.has_header("retry-after"));
    expect_signed(reply, *other_client_);
  }
}

TEST_F(CurpTest, ACreatedSessionHasNoResultYet) {
  const auto id = client_->create(ine_body(with_curp(curps_.at(1))));
  const auto reply = client_->curp_registry(id);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, kNotFoundBody);
  EXPECT_FALSE(reply.has_header("retry-after"));
}

// The same integration with checks.workers = 0: a submitted session's checks stay pending.
class PendingCurpTest : public CurpTest {
 protected:
  RegistryChecks checks() const override { return RegistryChecks::kBoth; }
  ServiceOptions options() const override {
    ServiceOptions o;
    o.check_workers = 0;
    return o;
  }
};

TEST_F(PendingCurpTest, WhileTheChecksRunEveryRegistryEndpointIsPendingWithRetryAfter) {
  const auto id = client_->create_and_submit(ine_body(with_curp(curps_.at(1))));
  for (const auto& reply : {client_->curp_registry(id), client_->combined_registry(id), client_->ine_registry(id)}) {
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.body, kNotFoundBody);
    EXPECT_EQ(reply.header("retry-after"), "2");
  }
}

// Both checks.
class CombinedTest : public CurpTest {
 protected:
  RegistryChecks checks() const override { return RegistryChecks::kBoth; }
};

TEST_F(CombinedTest, BothFoundAnswersBothPartsAndSendsEachWebhookOnce) {
  const std::string& curp = curps_.at(4);
  const auto id = client_->create_and_submit(ine_body(with_curp(curp)));
  const auto reply = wait_combined(id);
  EXPECT_EQ(reply.status, 200);
  const boost::json::object curp_part{
      {"statusCurp", "RCN"}, {"curp", curp}, {"description", ine::curp_status_by_id(4)->description}};
  const boost::json::object ine_part{{"active", true}, {"status", kVigente}};
  EXPECT_EQ(reply.body,
            boost::json::serialize(boost::json::object{{"data", {{"ine", ine_part}, {"curp", curp_part}}}}));
  expect_signed(reply, *client_);
  EXPECT_EQ(client_->curp_registry(id).body, curp_body("RCN", curp));
  EXPECT_EQ(client_->ine_registry(id).status, 200);
  EXPECT_EQ(text_of(client_->wait_decision(id).at("verification").at("status")), "approved");

  const auto queued = queued_webhooks(service().store(), id);
  EXPECT_EQ(queued.count(WebhookKind::kIne), 1U);
  EXPECT_EQ(queued.count(WebhookKind::kCurp), 1U);
  EXPECT_EQ(queued.count(WebhookKind::kDecision), 1U);
  const auto combined = only_body(queued, WebhookKind::kIneCurp);
  EXPECT_EQ(text_of(combined.at("eventType")), "combined-ine-curp-registry");
  EXPECT_EQ(text_of(combined.at("sessionId")), id);
  EXPECT_EQ(boost::json::serialize(combined.at("data").at("details")),
            boost::json::serialize(parse_object(reply.body).at("data")));
}

TEST_F(CombinedTest, TheDecisionCarriesTheDetailOfEachCheckAndItsWebhookTheSameObject) {
  constexpr store::TimeMs kIneImported = 1'764'800'000'000;   // 2025-12-03T22:13:20.000Z
  constexpr store::TimeMs kCurpImported = 1'764'900'000'000;  // 2025-12-05T02:00:00.000Z
  service().store().set_snapshot_date(store::kIneSnapshot, kIneImported);
  service().store().set_snapshot_date(store::kCurpSnapshot, kCurpImported);
  const std::string& curp = curps_.at(4);
  const auto id = client_->create_and_submit(ine_body(with_curp(curp)));
  ASSERT_EQ(wait_combined(id).status, 200);
  const auto reply = client_->decision(id);
  const auto body = parse_object(reply.body);
  const auto& verification = body.at("verification").as_object();
  EXPECT_EQ(verification.at("code").as_int64(), 9001);
  EXPECT_EQ(text_of(verification.at("person").at("idNumber")), curp);
  EXPECT_EQ(text_of(verification.at("document").at("ineIdentifier")), vigente_.credential.cic);
  const auto& data = verification.at("additionalVerifiedData").as_object();
  // The exact members of each detail (docs/openapi.yaml, RegistryValidation): the local
  // snapshots answered, so the source is "local", the date is the snapshot's, there is
  // no upstream answer time and no vendor message code.
  for (const char* name : {"ineRegistryValidation", "curpRegistryValidation"}) {
    std::set<std::string> members;
    for (const auto& member : data.at(name).as_object()) {
      members.emplace(member.key());
    }
    const std::set<std::string> common = {"source",      "messageCode",   "snapshotDate", "answeredAt",
                                          "situationId", "situationName", "active",       "checkedAt"};
    std::set<std::string> expected = common;
    expected.emplace(std::string_view(name) == "ineRegistryValidation" ? "documentState" : "description");
    EXPECT_EQ(members, expected) << name;
    EXPECT_EQ(text_of(data.at(name).at("source")), "local") << name;
    EXPECT_TRUE(data.at(name).at("messageCode").is_null()) << name;
    EXPECT_TRUE(data.at(name).at("answeredAt").is_null()) << name;
  }
  const auto& ine = data.at("ineRegistryValidation").as_object();
  EXPECT_EQ(text_of(ine.at("snapshotDate")), "2025-12-03T22:13:20.000Z");
  EXPECT_EQ(text_of(data.at("curpRegistryValidation").at("snapshotDate")), "2025-12-05T02:00:00.000Z");
  EXPECT_EQ(ine.at("situationId").as_int64(), 1);
  EXPECT_EQ(text_of(ine.at("situationName")), "VIGENTE");
  EXPECT_TRUE(ine.at("active").as_bool());
  EXPECT_EQ(text_of(ine.at("documentState")), kVigente);
  EXPECT_TRUE(is_iso8601_ms(text_of(ine.at("checkedAt"))));
  const auto& renapo = data.at("curpRegistryValidation").as_object();
  EXPECT_EQ(renapo.at("situationId").as_int64(), 4);
  EXPECT_EQ(text_of(renapo.at("situationName")), "RCN");
  EXPECT_TRUE(renapo.at("active").as_bool());
  EXPECT_TRUE(is_iso8601_ms(text_of(renapo.at("checkedAt"))));
  // The decision webhook is built by the same function, in the deciding transaction.
  EXPECT_EQ(boost::json::serialize(only_body(queued_webhooks(service().store(), id), WebhookKind::kDecision)),
            boost::json::serialize(body));
}

TEST_F(CombinedTest, AnInactiveCurpDeclinesAnActiveCredential) {
  const auto id = client_->create_and_submit(ine_body(with_curp(curps_.at(6))));  // BD: Baja por defuncion
  const auto reply = wait_combined(id);
  const auto body = parse_object(reply.body);
  EXPECT_EQ(text_of(body.at("data").at("curp").at("statusCurp")), "BD");
  EXPECT_TRUE(body.at("data").at("ine").at("active").as_bool());
  EXPECT_EQ(text_of(client_->wait_decision(id).at("verification").at("status")), "declined");
}

TEST_F(CombinedTest, OneCheckFailedForGoodCompletesTheCombinedResultWithoutParts) {
  const auto id = client_->create_and_submit(ine_body(vigente_.credential));  // no CURP: that check cannot run
  const auto reply = client_->combined_registry(id);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"data":{"ine":null,"curp":null}})");
  EXPECT_EQ(text_of(client_->wait_decision(id).at("verification").at("status")), "resubmission_requested");
  const auto queued = queued_webhooks(service().store(), id);
  EXPECT_EQ(queued.count(WebhookKind::kIneCurp), 1U);
  EXPECT_EQ(queued.count(WebhookKind::kDecision), 1U);
  EXPECT_EQ(queued.count(WebhookKind::kCurp), 0U);
}

// Both checks, with the CURP source an HTTP upstream that a test takes down and brings
// back.
class CurpOutageTest : public CombinedTest {
 protected:
  ServiceOptions options() const override {
    ServiceOptions o;
    o.curp_url = upstream_.url();
    return o;
  }
  testing::FakeUpstream upstream_;
};

TEST_F(CurpOutageTest, AnOutageIsPendingNeverInactiveAndTheCheckCompletesWhenTheSourceIsBack) {
  upstream_.set_reply(testing::FakeReply::server_error(503));
  const std::string& curp = curps_.at(1);
  const auto id = client_->create_and_submit(ine_body(with_curp(curp)));
  // The INE check answers; the CURP check is retried while its source is down.
  ASSERT_EQ(client_->wait_ine_registry(id).status, 200);
  ASSERT_TRUE(testing::wait_until([&] { return upstream_.requests() >= 2; }, kWaitDeadline, "a retried CURP lookup"));
  for (const auto& reply : {client_->curp_registry(id), client_->combined_registry(id)}) {
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.header("retry-after"), "2");
  }
  EXPECT_TRUE(parse_object(client_->decision(id).body).at("verification").is_null());
  EXPECT_EQ(upstream_.received().front().body, R"({"form":"CURP","curp":")" + curp + R"("})");

  testing::FakeReply back;
  back.body = registry::upstream_curp_answer_body(1);
  upstream_.set_reply(back);
  const auto reply = wait_curp_registry(id);
  EXPECT_EQ(reply.body, curp_body("AN", curp));
  EXPECT_EQ(wait_combined(id).status, 200);
  EXPECT_EQ(text_of(client_->wait_decision(id).at("verification").at("status")), "approved");
  const auto queued = queued_webhooks(service().store(), id);
  for (const auto kind : {WebhookKind::kIne, WebhookKind::kCurp, WebhookKind::kIneCurp, WebhookKind::kDecision}) {
    EXPECT_EQ(queued.count(kind), 1U) << store::webhook_kind_name(kind);
  }
}

}  // namespace
}  // namespace inereg::component
