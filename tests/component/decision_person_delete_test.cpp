// GET /v1/sessions/{id}/decision, GET /v1/sessions/{id}/person, DELETE /v1/sessions/{id}.
#include "service_fixture.hpp"

#include "auth/signing.hpp"

namespace inereg::component {
namespace {

using DecisionTest = ComponentTest;
using PersonTest = ComponentTest;
using DeleteSessionTest = ComponentTest;
using DeletePendingTest = PendingChecksTest;

TEST_F(DecisionTest, VerificationIsNullBeforeTheDecision) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  const auto reply = client_->decision(id);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"status":"success","verification":null})");
  expect_signed(reply, *client_);
}

TEST_F(DecisionTest, ActiveCredentialIsApproved9001) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential, "vd-1"));
  const auto body = client_->wait_decision(id);
  const auto& v = body.at("verification").as_object();
  EXPECT_EQ(body.at("status"), "success");
  EXPECT_EQ(text_of(v.at("id")), id);
  EXPECT_EQ(v.at("status"), "approved");
  EXPECT_EQ(v.at("code"), 9001);
  EXPECT_TRUE(v.at("reason").is_null());
  EXPECT_TRUE(v.at("reasonCode").is_null());
  EXPECT_EQ(v.at("vendorData"), "vd-1");
  EXPECT_TRUE(is_uuid_v4(v.at("attemptId").as_string())) << v.at("attemptId");
  EXPECT_NE(text_of(v.at("attemptId")), id);
  EXPECT_TRUE(is_iso8601_ms(v.at("decisionTime").as_string())) << v.at("decisionTime");
  EXPECT_TRUE(is_iso8601_ms(v.at("acceptanceTime").as_string())) << v.at("acceptanceTime");
  EXPECT_LE(v.at("acceptanceTime").as_string(), v.at("decisionTime").as_string());
  EXPECT_EQ(text_of(v.at("person").at("ineIdentifier")), vigente_.credential.citizen_id);
  EXPECT_EQ(text_of(v.at("document").at("ineIdentifier")), vigente_.credential.cic);
  EXPECT_EQ(v.at("document").at("country"), "MX");

  const auto reply = client_->decision(id);
  expect_signed(reply, *client_);
}

TEST_F(DecisionTest, UnknownCredentialIsDeclined9102WithReasonCode123) {
  const std::string id = client_->create_and_submit(ine_body(unknown_.credential));
  const auto body = client_->wait_decision(id);
  const auto& v = body.at("verification").as_object();
  EXPECT_EQ(v.at("status"), "declined");
  EXPECT_EQ(v.at("code"), 9102);
  EXPECT_EQ(v.at("reason"), "Unable to pass registry checks");
  EXPECT_EQ(v.at("reasonCode"), 123);
  EXPECT_TRUE(is_iso8601_ms(v.at("decisionTime").as_string()));
  expect_signed(client_->decision(id), *client_);
}

TEST_F(DecisionTest, DeclinedSituationIsDeclined9102) {
  const std::string id = client_->create_and_submit(ine_body(deceased_.credential));
  EXPECT_EQ(client_->wait_decision(id).at("verification").at("code"), 9102);
}

TEST_F(DecisionTest, ForeignSessionIsNotFound) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  const auto reply = other_client_->decision(id);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, kNotFoundBody);
}

TEST_F(PersonTest, AnswersThePersonWithNormalizedIneIdentifiers) {
  // Spaces and dashes in identifiers are normalized away (ine-domain.md input rules).
  const auto& c = vigente_.credential;
  const std::string spaced_id =
      c.citizen_id.substr(0, 4) + " " + c.citizen_id.substr(4, 3) + "-" + c.citizen_id.substr(7);
  const std::string body = R"({"verification":{"person":{"firstName":"JUAN","lastName":"PEREZ","ineIdentifier":")" +
                           spaced_id + R"("},"document":{"number":")" + c.cic + R"(","country":"MX"}}})";
  const std::string id = client_->create(body);
  const auto reply = client_->person(id);
  ASSERT_EQ(reply.status, 200) << reply.body;
  expect_signed(reply, *client_);
  const auto parsed = parse_object(reply.body);
  EXPECT_EQ(parsed.at("status"), "success");
  const auto& person = parsed.at("person").as_object();
  EXPECT_EQ(person.at("firstName"), "JUAN");
  EXPECT_EQ(person.at("lastName"), "PEREZ");
  EXPECT_EQ(text_of(person.at("ineIdentifier")), c.citizen_id);
  EXPECT_TRUE(person.at("ifeIdentifier").is_null());
  EXPECT_TRUE(person.at("dateOfBirth").is_null());
  EXPECT_EQ(person.at("pepSanctionMatches"), boost::json::array());
}

TEST_F(PersonTest, ForeignSessionIsNotFound) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  EXPECT_EQ(other_client_->person(id).body, kNotFoundBody);
}

TEST_F(DeleteSessionTest, DeleteAnswersTheIdThenEveryReadIsNotFound) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  ASSERT_EQ(client_->wait_ine_registry(id).status, 200);
  const auto reply = client_->delete_session(id);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"status":"success","verification":{"id":")" + id + R"("}})");
  expect_signed(reply, *client_);

  for (const auto& after : {client_->ine_registry(id), client_->decision(id), client_->person(id),
                            client_->delete_session(id), client_->submit(id)}) {
    EXPECT_EQ(after.status, 404);
    EXPECT_EQ(after.body, kNotFoundBody);
  }
  EXPECT_FALSE(service().store().find_ine_answer(id).has_value());
}

TEST_F(DeleteSessionTest, CreatedSessionCanBeDeleted) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  EXPECT_EQ(client_->delete_session(id).status, 200);
  EXPECT_EQ(client_->submit(id).status, 404);
}

TEST_F(DeleteSessionTest, WrongSignatureIs1818AndKeepsTheSession) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  const auto reply =
      client_->send("DELETE", "/v1/sessions/" + id, "", auth::hmac_sha256_hex(client_->secret(), "x" + id));
  expect_unauthorized(reply, "1818", client_->api_key());
  EXPECT_EQ(client_->person(id).status, 200);
}

TEST_F(DeleteSessionTest, ForeignSessionIsNotFoundAndKept) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  EXPECT_EQ(other_client_->delete_session(id).body, kNotFoundBody);
  EXPECT_EQ(client_->person(id).status, 200);
}

TEST_F(DeletePendingTest, SubmittedSessionCannotBeDeleted) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  const auto reply = client_->delete_session(id);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, R"({"status":400,"code":"1305","message":"Session is not in a completed status."})");
  expect_signed(reply, *client_);
  EXPECT_EQ(client_->person(id).status, 200);
  EXPECT_EQ(service().store().pending_check_count(), 1);
}

}  // namespace
}  // namespace inereg::component
