// GET /v1/sessions/{id}/ine-registry/rechecks (inereg extension): the re-check history
// over real HTTP, with the same signing and tenant isolation as the other session
// routes, while GET ine-registry and the decision keep the answer of verification time.
#include "service_fixture.hpp"

#include "auth/signing.hpp"
#include "sessions/workflow.hpp"
#include "support/wait_until.hpp"
#include "util/time.hpp"

namespace inereg::component {
namespace {

using IneRechecksTest = ComponentTest;

constexpr int kStolen = 29;  // REPORTE_DE_ROBO_FOLIO

std::string rechecks_target(const std::string& id) {
  return "/v1/sessions/" + id + "/ine-registry/rechecks";
}

HttpReply get_rechecks(const ApiClient& client, const std::string& id) {
  return client.send("GET", rechecks_target(id), "", auth::hmac_sha256_hex(client.secret(), id));
}

TEST_F(IneRechecksTest, TheHistoryRecordsANewVerdictWhileTheSessionKeepsItsAnswer) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  ASSERT_EQ(client_->wait_ine_registry(id).body, kVigenteBody);
  const auto empty = get_rechecks(*client_, id);
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, R"({"status":"success","sessionId":")" + id + R"(","rechecks":[]})");
  expect_signed(empty, *client_);

  // The registry now says the card was reported stolen; an operator re-checks it.
  auto stolen = registry::to_registry_entry(vigente_);
  stolen.situation = kStolen;
  service().store().upsert_registry_entries(std::span(&stolen, 1));
  sessions::SessionWorkflow workflow(service().store(), nullptr);
  store::RecheckSelection which;
  which.session_id = id;
  ASSERT_EQ(workflow.request_rechecks(which, store::recheck_by::kOperator, util::wall_clock_ms()), 1);

  boost::json::object body;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const auto reply = get_rechecks(*client_, id);
        body = parse_object(reply.body);
        const auto& entries = body.at("rechecks").as_array();
        return !entries.empty() && entries[0].at("state").as_string() == "done";
      },
      kWaitDeadline, "the re-check answered"));
  const auto& entry = body.at("rechecks").as_array().at(0).as_object();
  EXPECT_EQ(entry.at("requestedBy").as_string(), "operator");
  EXPECT_EQ(entry.at("outcome").as_string(), "verdict");
  EXPECT_EQ(entry.at("changed").as_bool(), true);
  EXPECT_EQ(entry.at("result").at("active").as_bool(), false);
  EXPECT_TRUE(is_iso8601_ms(text_of(entry.at("checkedAt"))));

  const auto original = client_->ine_registry(id);
  EXPECT_EQ(original.status, 200);
  EXPECT_EQ(original.body, kVigenteBody);
  EXPECT_EQ(text_of(client_->wait_decision(id).at("verification").at("status")), "approved");
}

TEST_F(IneRechecksTest, AnotherIntegrationOrABadSignatureSeesNothing) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  ASSERT_EQ(client_->wait_ine_registry(id).status, 200);

  const auto foreign = get_rechecks(*other_client_, id);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(foreign.body, kNotFoundBody);
  expect_signed(foreign, *other_client_);

  const auto unknown = get_rechecks(*client_, "4f9e1c2a-8b7d-4e6f-9a1b-2c3d4e5f6a7b");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, kNotFoundBody);

  const auto unsigned_reply = client_->send("GET", rechecks_target(id), "", std::nullopt);
  expect_unauthorized(unsigned_reply, "1812", client_->api_key());
  const auto wrong = client_->send("GET", rechecks_target(id), "", auth::hmac_sha256_hex(client_->secret(), "x"));
  expect_unauthorized(wrong, "1818", client_->api_key());
}

}  // namespace
}  // namespace inereg::component
