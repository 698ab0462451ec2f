// Issue 5, the contract half: GET attempts, vrf-integration-id, the documented error
// codes of create/update, DELETE rules (statuses, rate limit, disabled), CORS for
// @veriff/js-sdk, and the OpenAPI document, over real loopback HTTP.
#include "service_fixture.hpp"

#include "api/openapi_document.hpp"
#include "auth/secret_box.hpp"
#include "auth/signing.hpp"
#include "sessions/workflow.hpp"
#include "util/time.hpp"

namespace inereg::component {
namespace {

// GET /v1/sessions/{id}/attempts ------------------------------------------------------

using AttemptsTest = ComponentTest;
using AttemptsPendingTest = PendingChecksTest;

TEST_F(AttemptsTest, EmptyBeforeTheSubmit) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  const auto reply = client_->attempts(id);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"status":"success","verifications":[]})");
  expect_signed(reply, *client_);
}

TEST_F(AttemptsPendingTest, TheSubmitCreatesOneAttemptWithTheSessionsStatus) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  const auto reply = client_->attempts(id);
  ASSERT_EQ(reply.status, 200) << reply.body;
  expect_signed(reply, *client_);
  const auto body = parse_object(reply.body);
  const auto& attempts = body.at("verifications").as_array();
  ASSERT_EQ(attempts.size(), 1U);
  const auto& attempt = attempts[0].as_object();
  EXPECT_TRUE(is_uuid_v4(attempt.at("id").as_string()));
  EXPECT_NE(text_of(attempt.at("id")), id);
  EXPECT_EQ(attempt.at("status"), "submitted");
  EXPECT_TRUE(is_iso8601_ms(attempt.at("createdTime").as_string())) << reply.body;
  // The attempt is the one the stored session names.
  EXPECT_EQ(text_of(attempt.at("id")), service().store().find_session(id)->attempt_id);
}

TEST_F(AttemptsTest, TheAttemptFollowsTheDecisionAndMatchesTheDecisionsAttemptId) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  const auto decision = client_->wait_decision(id);
  const auto body = parse_object(client_->attempts(id).body);
  const auto& attempt = body.at("verifications").as_array().at(0).as_object();
  EXPECT_EQ(attempt.at("status"), "approved");
  EXPECT_EQ(attempt.at("id"), decision.at("verification").at("attemptId"));
  // acceptanceTime is the submit, as is the attempt's creation.
  EXPECT_EQ(attempt.at("createdTime"), decision.at("verification").at("acceptanceTime"));
}

TEST_F(AttemptsTest, ForeignOrUnknownSessionIsNotFoundAndTheSignatureIsOverTheId) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  EXPECT_EQ(other_client_->attempts(id).body, kNotFoundBody);
  EXPECT_EQ(client_->attempts(auth::random_uuid_v4()).body, kNotFoundBody);
  const auto reply = client_->send("GET", "/v1/sessions/" + id + "/attempts", "",
                                   auth::hmac_sha256_hex(client_->secret(), id + "/attempts"));
  expect_unauthorized(reply, "1818", client_->api_key());
}

// vrf-integration-id on POST /v1/sessions --------------------------------------------

class IntegrationIdTest : public ComponentTest {
 protected:
  HttpReply post_with_integration_id(const std::string& integration_id) const {
    const std::string body = ine_body(vigente_.credential);
    return testing::http_call(port(), HttpCall{"POST",
                                               "/v1/sessions",
                                               body,
                                               {{"X-AUTH-CLIENT", client_->api_key()},
                                                {"Content-Type", "application/json"},
                                                {"vrf-integration-id", integration_id}}});
  }
};

TEST_F(IntegrationIdTest, TheKeysOwnIntegrationIsAccepted) {
  const auto reply = post_with_integration_id(client_->integration_id());
  EXPECT_EQ(reply.status, 201) << reply.body;
  expect_signed(reply, *client_);
  std::string upper = client_->integration_id();
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  EXPECT_EQ(post_with_integration_id(upper).status, 201);
  EXPECT_EQ(post_with_integration_id("").status, 201);  // an unset client setting
}

TEST_F(IntegrationIdTest, AnotherIntegrationIs401With1803AndCreatesNothing) {
  for (const std::string& named : {other_client_->integration_id(), auth::random_uuid_v4(), std::string("nope")}) {
    const auto reply = post_with_integration_id(named);
    expect_unauthorized(reply, "1803", client_->api_key());
    expect_error(reply, 401, "1803",
                 "Integration with the API key was not found: vrf-integration-id names another integration.");
  }
  EXPECT_EQ(client_->attempts(auth::random_uuid_v4()).status, 404);  // the key itself still works
}

TEST_F(IntegrationIdTest, IsCheckedOnSignedRoutesToo) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  const auto reply =
      testing::http_call(port(), HttpCall{"GET",
                                          "/v1/sessions/" + id + "/person",
                                          "",
                                          {{"X-AUTH-CLIENT", client_->api_key()},
                                           {"X-HMAC-SIGNATURE", auth::hmac_sha256_hex(client_->secret(), id)},
                                           {"vrf-integration-id", other_client_->integration_id()}}});
  expect_unauthorized(reply, "1803", client_->api_key());
}

// 1815: the integration has no secret this server can open ---------------------------

TEST_F(ComponentTest, IntegrationWhoseSecretCannotBeOpenedIs1815) {
  // Sealed under another master key, as after a botched key change.
  const auto foreign_box = *auth::SecretBox::from_hex(auth::random_master_key_hex());
  store::Integration integration;
  integration.id = auth::random_uuid_v4();
  integration.name = "sealed elsewhere";
  integration.api_key = auth::random_uuid_v4();
  integration.created_at = util::wall_clock_ms();
  const std::string secret = auth::random_uuid_v4();
  service().store().create_integration(integration, foreign_box.seal(secret));
  const std::string id = auth::random_uuid_v4();
  const auto reply = testing::http_call(port(), HttpCall{"GET",
                                                         "/v1/sessions/" + id + "/decision",
                                                         "",
                                                         {{"X-AUTH-CLIENT", integration.api_key},
                                                          {"X-HMAC-SIGNATURE", auth::hmac_sha256_hex(secret, id)}}});
  expect_unauthorized(reply, "1815", integration.api_key);
  EXPECT_EQ(reply.body, fail_body("1815", "Could not authenticate request"));
}

// Create and update bodies: the documented codes -------------------------------------

struct BadCreate {
  const char* name;
  std::string verification;  // the members of the verification object
  const char* code;
  std::optional<std::string> message;
};

void PrintTo(const BadCreate& value, std::ostream* os) {
  *os << value.name;
}

std::string old_timestamp() {
  return util::format_iso8601_ms(util::wall_clock_ms() - 3'601'000);
}

class DocumentedCreateErrorTest : public ComponentTest, public ::testing::WithParamInterface<BadCreate> {};

TEST_P(DocumentedCreateErrorTest, AnswersTheCodeSignedAndStoresNothing) {
  const auto& param = GetParam();
  const auto reply = client_->post_session(R"({"verification":{)" + param.verification + "}}");
  expect_error(reply, 400, param.code, param.message);
  expect_signed(reply, *client_);
}

INSTANTIATE_TEST_SUITE_P(
    CreateSession, DocumentedCreateErrorTest,
    ::testing::Values(
        BadCreate{"TimestampOlderThanAnHour", R"("timestamp":")" + old_timestamp() + R"(")", "1201",
                  "Invalid timestamp. Timestamp must not be older than one hour."},
        BadCreate{"TimestampWithoutZone", R"("timestamp":"2024-01-01T08:00:00")", "1202",
                  "Timestamp format is incorrect. YYYY-MM-DDTHH:MM:S+Timezone Offset|Z or UTC."},
        BadCreate{"TimestampNotAString", R"("timestamp":1704096000000)", "1202", std::nullopt},
        BadCreate{"DateOfBirthNotIso", R"("person":{"dateOfBirth":"01/02/1990"})", "1203",
                  "Invalid ISO 8601 date. Date needs to be in format YYYY-MM-DD."},
        BadCreate{"DateOfBirthNotARealDay", R"("person":{"dateOfBirth":"1990-02-30"})", "1203", std::nullopt},
        BadCreate{"FirstIssueNotIso", R"("document":{"country":"DO","type":"PASSPORT","firstIssue":"2019"})", "1203",
                  std::nullopt},
        BadCreate{"UnsupportedFeature", R"("features":["selfid","video"])", "1301",
                  "Requested features are not supported."},
        BadCreate{"HttpCallback", R"("callback":"http://client.example.test/done")", "1302",
                  "Only HTTPS return URLs are allowed."},
        BadCreate{"CallbackNotAUrl", R"("callback":"client.example.test/done")", "1302", std::nullopt},
        BadCreate{"EndUserIdNotUuid", R"("endUserId":"user-1")", "1104",
                  "Request includes invalid parameters: verification.endUserId must be a UUID."},
        BadCreate{"GenderNotDocumented", R"("person":{"gender":"X"})", "1104",
                  "Request includes invalid parameters: verification.person.gender must be one of M, MALE, F, "
                  "FEMALE."},
        BadCreate{"FirstNameNotAString", R"("person":{"firstName":42})", "1104",
                  "Request includes invalid parameters: verification.person.firstName must be a string."},
        BadCreate{"IsDeceasedNotABoolean", R"("person":{"isDeceased":"no"})", "1104", std::nullopt},
        BadCreate{"MaritalStatusNotDocumented", R"("person":{"maritalStatus":"complicated"})", "1104", std::nullopt},
        BadCreate{"DocumentTypeNotDocumented", R"("document":{"country":"MX","type":"VOTER_CARD"})", "1104",
                  std::nullopt},
        BadCreate{"CountryNotAlpha2", R"("document":{"country":"MEX","type":"PASSPORT"})", "1104", std::nullopt},
        BadCreate{"PassportNumberWithSymbols", R"("document":{"country":"DO","type":"PASSPORT","number":"AB-123"})",
                  "1104",
                  "Request includes invalid parameters: verification.document.number may contain only letters A-Z "
                  "and digits 0-9."},
        BadCreate{"ConsentTypeUnknown", R"("consents":[{"type":"gdpr","approved":true}])", "1104", std::nullopt},
        BadCreate{"FeaturesNotAnArray", R"("features":"selfid")", "1104", std::nullopt}),
    [](const ::testing::TestParamInfo<BadCreate>& info) { return std::string(info.param.name); });

using DocumentedFieldsTest = ComponentTest;

TEST_F(DocumentedFieldsTest, EveryDocumentedMemberInItsDocumentedFormIsAccepted) {
  const std::string body =
      R"({"verification":{"callback":"https://client.example.test/done",)"
      R"("person":{"firstName":"Ana","lastName":"Ruiz","idNumber":"","phoneNumber":"+525512345678",)"
      R"("email":"ana@example.test","gender":"female","dateOfBirth":"1990-02-28",)"
      R"("maritalStatus":"single","isDeceased":false},)"
      R"("document":{"number":"AB1234567","country":"do","type":"passport","idCardType":"CC",)"
      R"("firstIssue":"2019-03-01"},"vendorData":"v","endUserId":")" +
      auth::random_uuid_v4() +
      R"(","consents":[{"type":"ine","approved":true}],"features":["selfid"],)"
      R"("timestamp":")" +
      fresh_timestamp() + R"("}})";
  const auto reply = client_->post_session(body);
  EXPECT_EQ(reply.status, 201) << reply.body;
}

TEST_F(DocumentedFieldsTest, AFutureTimestampIsAccepted) {
  // Only age is documented as an error; a client clock ahead of ours is not one.
  const std::string future = util::format_iso8601_ms(util::wall_clock_ms() + 3 * 3'600'000);
  EXPECT_EQ(client_->post_session(R"({"verification":{"timestamp":")" + future + R"("}})").status, 201);
}

TEST_F(DocumentedFieldsTest, PatchTimestampIsCheckedTooAndTheSessionStaysCreated) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  expect_error(
      client_->patch_session(id, R"({"verification":{"status":"submitted","timestamp":")" + old_timestamp() + R"("}})"),
      400, "1201");
  expect_error(client_->patch_session(id, R"({"verification":{"status":"submitted","timestamp":"yesterday"}})"), 400,
               "1202");
  EXPECT_EQ(client_->attempts(id).body, R"({"status":"success","verifications":[]})");
}

// DELETE /v1/sessions/{id} -----------------------------------------------------------

using DeleteRulesTest = ComponentTest;

TEST_F(DeleteRulesTest, DecidedAndCreatedSessionsAreDeletableSubmittedIsNot) {
  const std::string decided = client_->create_and_submit(ine_body(unknown_.credential));
  EXPECT_EQ(client_->wait_decision(decided).at("verification").at("status"), "declined");
  EXPECT_EQ(client_->delete_session(decided).status, 200);
  const std::string resubmit = client_->create_and_submit(R"({"verification":{}})");  // no INE data
  EXPECT_EQ(client_->wait_decision(resubmit).at("verification").at("status"), "resubmission_requested");
  EXPECT_EQ(client_->delete_session(resubmit).status, 200);
}

class DeleteLimitTest : public ComponentTest {
 protected:
  ServiceOptions options() const override {
    ServiceOptions o;
    o.delete_limit.per_hour = 2;
    o.delete_limit.per_day = 3;
    return o;
  }
};

TEST_F(DeleteLimitTest, TheHourlyLimitAnswers429WithRetryAfterAndKeepsTheSession) {
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(client_->delete_session(client_->create(ine_body(vigente_.credential))).status, 200);
  }
  const std::string kept = client_->create(ine_body(vigente_.credential));
  const auto reply = client_->delete_session(kept);
  expect_error(reply, 429, "1101", "Too many requests");
  expect_signed(reply, *client_);
  const int retry_after = std::stoi(reply.header("retry-after"));
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 3600);
  EXPECT_EQ(client_->person(kept).status, 200);
  // Per integration: another integration's allowance is untouched.
  EXPECT_EQ(other_client_->delete_session(other_client_->create(ine_body(vigente_.credential))).status, 200);
}

TEST_F(DeleteLimitTest, TheDailyLimitCountsDeletionsMadeThroughAnotherNode) {
  // Another node: its own Store on the same database. Its deletions of this
  // integration's sessions, 23, 22 and 21 hours ago (each alone in its hour), count
  // towards the daily limit here.
  auto other_store = store::open_store(database().url());
  sessions::SessionWorkflow other_node(*other_store, nullptr);
  const auto now = util::wall_clock_ms();
  for (int i = 0; i < 3; ++i) {
    const std::string id = client_->create(ine_body(vigente_.credential));
    const auto at = now - (23 - i) * 3'600'000;
    ASSERT_EQ(other_node.delete_session(id, client_->integration_id(), {2, 3}, at).outcome,
              sessions::DeleteResult::Outcome::kDeleted);
  }
  const std::string kept = client_->create(ine_body(vigente_.credential));
  const auto reply = client_->delete_session(kept);
  expect_error(reply, 429, "1101");
  const int retry_after = std::stoi(reply.header("retry-after"));
  EXPECT_GT(retry_after, 3000);  // the oldest leaves the 24-hour window in one hour
  EXPECT_LE(retry_after, 3600);
  EXPECT_EQ(client_->person(kept).status, 200);
}

TEST_F(DeleteLimitTest, RefusedAndFailedDeletionsDoNotCount) {
  ASSERT_EQ(client_->delete_session(client_->create(ine_body(vigente_.credential))).status, 200);  // 1 of 2
  EXPECT_EQ(client_->delete_session(auth::random_uuid_v4()).status, 404);
  EXPECT_EQ(client_->delete_session(other_client_->create(ine_body(vigente_.credential))).status, 404);
  const std::string id = client_->create(ine_body(vigente_.credential));
  EXPECT_EQ(client_->send("DELETE", "/v1/sessions/" + id, "", std::string(64, '0')).status, 401);
  EXPECT_EQ(client_->delete_session(id).status, 200);  // 2 of 2
  EXPECT_EQ(client_->delete_session(client_->create(ine_body(vigente_.credential))).status, 429);
}

class DeleteDisabledTest : public ComponentTest {
 protected:
  ServiceOptions options() const override {
    ServiceOptions o;
    o.delete_enabled = false;
    return o;
  }
};

TEST_F(DeleteDisabledTest, DeleteIs403AfterAuthenticationAndKeepsTheSession) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  const auto reply = client_->delete_session(id);
  expect_error(reply, 403, "1101", "Deleting sessions is disabled on this service");
  expect_signed(reply, *client_);
  EXPECT_EQ(client_->person(id).status, 200);
  // Authentication still comes first.
  expect_unauthorized(client_->send("DELETE", "/v1/sessions/" + id, "", std::string(64, '0')), "1818",
                      client_->api_key());
}

// CORS --------------------------------------------------------------------------------

class CorsTest : public ComponentTest {
 protected:
  static constexpr const char* kShop = "https://shop.example.test";
  static constexpr const char* kOtherShop = "http://127.0.0.2:8000";

  void SetUp() override {
    ComponentTest::SetUp();
    const std::vector<std::string> mine = {kShop};
    const std::vector<std::string> others = {kOtherShop};
    ASSERT_TRUE(service().store().set_integration_cors_origins(client_->integration_id(), mine));
    ASSERT_TRUE(service().store().set_integration_cors_origins(other_client_->integration_id(), others));
  }

  HttpReply preflight(std::optional<std::string> origin) const {
    HttpCall call{"OPTIONS", "/v1/sessions", "", {}};
    if (origin) {
      call.headers.emplace_back("Origin", *origin);
    }
    call.headers.emplace_back("Access-Control-Request-Method", "POST");
    call.headers.emplace_back("Access-Control-Request-Headers", "content-type,x-auth-client,x-origin");
    return testing::http_call(port(), call);
  }

  // What @veriff/js-sdk sends, from a page on `origin`.
  HttpReply sdk_post(const std::string& origin, const std::string& body, const std::string& api_key) const {
    return testing::http_call(port(), HttpCall{"POST",
                                               "/v1/sessions",
                                               body,
                                               {{"Content-type", "application/json"},
                                                {"x-auth-client", api_key},
                                                {"x-origin", "js-sdk"},
                                                {"Origin", origin}}});
  }
};

TEST_F(CorsTest, PreflightFromAnAllowedOriginIs204WithExactlyThatOrigin) {
  for (const char* origin : {kShop, kOtherShop}) {
    const auto reply = preflight(std::string(origin));
    EXPECT_EQ(reply.status, 204) << reply.body;
    EXPECT_EQ(reply.header("access-control-allow-origin"), origin);
    EXPECT_EQ(reply.header("access-control-allow-methods"), "POST");
    const std::string allowed = reply.header("access-control-allow-headers");
    for (const char* header : {"content-type", "x-auth-client", "x-origin", "x-hmac-signature", "vrf-integration-id"}) {
      EXPECT_NE(allowed.find(header), std::string::npos) << header << " in " << allowed;
    }
    EXPECT_EQ(reply.header("access-control-max-age"), "600");
    EXPECT_EQ(reply.header("vary"), "Origin");
    EXPECT_TRUE(reply.body.empty());
    EXPECT_FALSE(reply.has_header("content-type"));
  }
}

TEST_F(CorsTest, PreflightFromAnyOtherOriginIs403WithoutAllowHeaders) {
  for (const std::optional<std::string>& origin :
       {std::optional<std::string>("https://evil.example.test"), std::optional<std::string>("null"),
        std::optional<std::string>("https://shop.example.test.evil.test"), std::optional<std::string>()}) {
    const auto reply = preflight(origin);
    expect_error(reply, 403, "1101", "Origin is not allowed");
    EXPECT_FALSE(reply.has_header("access-control-allow-origin"));
    EXPECT_FALSE(reply.has_header("access-control-allow-methods"));
  }
}

TEST_F(CorsTest, PreflightIgnoresDeactivatedIntegrations) {
  ASSERT_TRUE(service().store().set_integration_active(other_client_->integration_id(), false));
  EXPECT_EQ(preflight(std::string(kOtherShop)).status, 403);
  EXPECT_EQ(preflight(std::string(kShop)).status, 204);
}

TEST_F(CorsTest, PostFromTheIntegrationsOriginCarriesTheAllowHeaders) {
  const auto reply = sdk_post(kShop, ine_body(vigente_.credential), client_->api_key());
  EXPECT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(reply.header("access-control-allow-origin"), kShop);
  EXPECT_EQ(reply.header("vary"), "Origin");
  const std::string exposed = reply.header("access-control-expose-headers");
  EXPECT_NE(exposed.find("X-HMAC-SIGNATURE"), std::string::npos) << exposed;
  EXPECT_NE(exposed.find("X-AUTH-CLIENT"), std::string::npos) << exposed;
  expect_signed(reply, *client_);
}

TEST_F(CorsTest, ErrorsForTheIntegrationsOriginCarryThemToo) {
  const auto bad_body = sdk_post(kShop, R"({"verification":{"vendorData":1}})", client_->api_key());
  expect_error(bad_body, 400, "1501");
  EXPECT_EQ(bad_body.header("access-control-allow-origin"), kShop);
  // A signature that does not verify: the key still names this integration.
  HttpCall call{"POST",
                "/v1/sessions",
                ine_body(vigente_.credential),
                {{"Content-Type", "application/json"},
                 {"X-AUTH-CLIENT", client_->api_key()},
                 {"X-HMAC-SIGNATURE", std::string(64, 'a')},
                 {"Origin", kShop}}};
  const auto unauthorized = testing::http_call(port(), call);
  expect_unauthorized(unauthorized, "1819", client_->api_key());
  EXPECT_EQ(unauthorized.header("access-control-allow-origin"), kShop);
}

TEST_F(CorsTest, AnOriginAllowedOnlyByAnotherIntegrationGetsNoAllowOrigin) {
  const auto reply = sdk_post(kOtherShop, ine_body(vigente_.credential), client_->api_key());
  EXPECT_EQ(reply.status, 201);  // the server acts; the browser withholds the answer from the page
  EXPECT_FALSE(reply.has_header("access-control-allow-origin"));
  EXPECT_EQ(reply.header("vary"), "Origin");
  const std::string unknown = auth::random_uuid_v4();
  const auto unknown_key = sdk_post(kShop, ine_body(vigente_.credential), unknown);
  expect_unauthorized(unknown_key, "1803", unknown);
  EXPECT_FALSE(unknown_key.has_header("access-control-allow-origin"));
}

TEST_F(CorsTest, OtherRoutesAreNotOpenToBrowsers) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  const auto reply =
      testing::http_call(port(), HttpCall{"GET",
                                          "/v1/sessions/" + id + "/decision",
                                          "",
                                          {{"X-AUTH-CLIENT", client_->api_key()},
                                           {"X-HMAC-SIGNATURE", auth::hmac_sha256_hex(client_->secret(), id)},
                                           {"Origin", kShop}}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_FALSE(reply.has_header("access-control-allow-origin"));
  const auto options = testing::http_call(port(), HttpCall{"OPTIONS", "/v1/sessions/" + id, "", {{"Origin", kShop}}});
  EXPECT_EQ(options.status, 404);
  EXPECT_EQ(options.body, kNotFoundBody);
}

// GET /openapi.yaml -------------------------------------------------------------------

TEST_F(ComponentTest, OpenApiDocumentIsServedWithoutCredentials) {
  const auto reply = testing::http_call(port(), HttpCall{"GET", "/openapi.yaml", "", {}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("content-type"), "application/yaml");
  EXPECT_EQ(reply.body, api::openapi_yaml());
  EXPECT_EQ(reply.body.rfind("openapi: 3.1.0\n", 0), 0U);
  EXPECT_FALSE(reply.has_header("x-hmac-signature"));
}

}  // namespace
}  // namespace inereg::component
