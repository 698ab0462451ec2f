// PATCH /v1/sessions/{id}, and signatures over exact request bytes.
#include "service_fixture.hpp"

#include "auth/secret_box.hpp"
#include "auth/signing.hpp"
#include "util/time.hpp"

namespace inereg::component {
namespace {

using UpdateSessionTest = ComponentTest;

TEST_F(UpdateSessionTest, SubmitAnswers200WithStatusSubmitted) {
  const std::string id = client_->create(ine_body(vigente_.credential, "v-7"));
  const auto reply = client_->submit(id);
  ASSERT_EQ(reply.status, 200) << reply.body;
  expect_signed(reply, *client_);
  const auto body = parse_object(reply.body);
  EXPECT_EQ(body.at("status"), "success");
  const auto& v = body.at("verification").as_object();
  EXPECT_EQ(text_of(v.at("id")), id);
  EXPECT_EQ(v.at("status"), "submitted");
  EXPECT_EQ(v.at("vendorData"), "v-7");
  EXPECT_EQ(v.size(), 6U);
}

TEST_F(UpdateSessionTest, SecondSubmitCannotTransition) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  const auto reply = client_->submit(id);
  EXPECT_EQ(reply.body, fail_body("1304", R"(Cannot transition to "submitted" status.)"));
  expect_error(reply, 400, "1304");
  expect_signed(reply, *client_);
}

TEST_F(UpdateSessionTest, SubmitAfterTheDecisionCannotTransition) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  ASSERT_EQ(client_->wait_ine_registry(id).status, 200);
  expect_error(client_->submit(id), 400, "1304", R"(Cannot transition to "submitted" status.)");
}

struct BadPatch {
  const char* name;
  const char* body;
  const char* code;
  const char* message;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const BadPatch& value, std::ostream* os) {
  *os << value.name;
}

class RejectedPatchTest : public ComponentTest, public ::testing::WithParamInterface<BadPatch> {};

TEST_P(RejectedPatchTest, AnswersTheDocumentedErrorAndLeavesTheSessionCreated) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  const auto reply = client_->patch_session(id, GetParam().body);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, fail_body(GetParam().code, GetParam().message));
  expect_signed(reply, *client_);
  EXPECT_EQ(client_->submit(id).status, 200);
}

INSTANTIATE_TEST_SUITE_P(
    UpdateSession, RejectedPatchTest,
    ::testing::Values(BadPatch{"Approved", R"({"verification":{"status":"approved"}})", "1304",
                               R"(Cannot transition to "approved" status.)"},
                      BadPatch{"Bogus", R"({"verification":{"status":"bogus"}})", "1303", "Invalid status."},
                      BadPatch{"MissingStatus", R"({"verification":{"frontState":"done"}})", "1102",
                               "Mandatory parameters are missing from the request: verification.status."},
                      BadPatch{"MissingVerification", R"({})", "1102",
                               "Mandatory parameters are missing from the request: verification.status."},
                      BadPatch{"StatusNotString", R"({"verification":{"status":1}})", "1104",
                               "Request includes invalid parameters: verification.status must be a string."},
                      BadPatch{"NotJson", "status=submitted", "1101",
                               "Validation failed: the request body must be a JSON object."}),
    [](const ::testing::TestParamInfo<BadPatch>& info) { return std::string(info.param.name); });

TEST_F(UpdateSessionTest, VeriffDemosPatchBodyIsAccepted) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  // Luxon's toISO(): local time with its offset, here UTC+02:00 (a fresh one: 1201).
  std::string local = util::format_iso8601_ms(util::wall_clock_ms() + 2 * 3'600'000);
  local.replace(local.size() - 1, 1, "+02:00");
  const auto reply = client_->patch_session(
      id, R"({"verification":{"frontState":"done","status":"submitted","timestamp":")" + local + R"("}})");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(client_->wait_ine_registry(id).status, 200);
}

TEST_F(UpdateSessionTest, PatchOfUnknownOrForeignSessionIsNotFound) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  const auto foreign = other_client_->submit(id);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(foreign.body, kNotFoundBody);
  const auto unknown = client_->submit(auth::random_uuid_v4());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, kNotFoundBody);
  // Another integration learns nothing from a status it may not ask for either.
  const auto foreign_approve = other_client_->patch_session(id, R"({"verification":{"status":"approved"}})");
  EXPECT_EQ(foreign_approve.status, 404);
  EXPECT_EQ(foreign_approve.body, kNotFoundBody);
  EXPECT_EQ(client_->submit(id).status, 200);
}

TEST_F(UpdateSessionTest, PatchWithoutSignatureIs1812) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  const auto reply = client_->patch_session(id, std::string(kSubmitBody), Signing::kNone);
  expect_unauthorized(reply, "1812", client_->api_key());
}

TEST_F(UpdateSessionTest, SignatureIsOverTheExactUtf8Bytes) {
  const std::string utf8_body = R"({"verification":{"vendorData":"Peña ñandú 東京"}})";
  const std::string escaped_body = R"({"verification":{"vendorData":"Pe\u00f1a \u00f1and\u00fa \u6771\u4eac"}})";

  const auto accepted = client_->post_session(utf8_body);
  ASSERT_EQ(accepted.status, 201) << accepted.body;
  EXPECT_EQ(parse_object(accepted.body).at("verification").at("vendorData"), "Peña ñandú 東京");
  // The reply's signature covers its UTF-8 bytes as sent.
  expect_signed(accepted, *client_);

  // The same JSON text, but signed in its \u-escaped spelling: the bytes differ.
  const auto rejected =
      client_->send("POST", "/v1/sessions", utf8_body, auth::hmac_sha256_hex(client_->secret(), escaped_body));
  expect_unauthorized(rejected, "1819", client_->api_key());

  // The escaped spelling signed as sent is fine and decodes to the same text.
  const auto escaped = client_->post_session(escaped_body);
  ASSERT_EQ(escaped.status, 201) << escaped.body;
  EXPECT_EQ(parse_object(escaped.body).at("verification").at("vendorData"), "Peña ñandú 東京");
}

}  // namespace
}  // namespace inereg::component
