// Authentication of GET ine-registry (and the signed writes), in the documented order:
// API key present, a UUID, known, active; then the signature.
#include "service_fixture.hpp"

#include "auth/secret_box.hpp"
#include "auth/signing.hpp"
#include "support/wait_until.hpp"

namespace inereg::component {
namespace {

class AuthTest : public ComponentTest {
 protected:
  void SetUp() override {
    ComponentTest::SetUp();
    session_id_ = client_->create_and_submit(ine_body(vigente_.credential));
    ASSERT_EQ(client_->wait_ine_registry(session_id_).status, 200);
  }

  std::string target() const { return "/v1/sessions/" + session_id_ + "/decision/ine-registry?version=v1"; }

  // GET ine-registry with exactly these headers.
  HttpReply get(std::vector<std::pair<std::string, std::string>> headers) const {
    return testing::http_call(port(), HttpCall{"GET", target(), "", std::move(headers)});
  }

  std::string id_signature() const { return auth::hmac_sha256_hex(client_->secret(), session_id_); }

  std::string session_id_;
};

TEST_F(AuthTest, MissingApiKeyIs1801WithTheReferencePagesMessage) {
  // A signature is present but wrong: the missing key is reported first.
  const auto reply = get({{"X-HMAC-SIGNATURE", std::string(64, '0')}});
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.body,
            fail_body("1801", "Mandatory X-AUTH-CLIENT header containing the API key is missing from the request."));
  expect_unauthorized(reply, "1801", std::nullopt);
}

TEST_F(AuthTest, EmptyApiKeyIs1801) {
  expect_unauthorized(get({{"X-AUTH-CLIENT", ""}, {"X-HMAC-SIGNATURE", id_signature()}}), "1801", "");
}

TEST_F(AuthTest, ApiKeyThatIsNotAUuidIs1802) {
  const auto reply = get({{"X-AUTH-CLIENT", "my-api-key"}});
  expect_unauthorized(reply, "1802", "my-api-key");
  EXPECT_EQ(reply.body, fail_body("1802", "API key is not a valid UUID"));
}

TEST_F(AuthTest, UnknownApiKeyIs1803) {
  const std::string key = auth::random_uuid_v4();
  const auto reply = get({{"X-AUTH-CLIENT", key}});
  expect_unauthorized(reply, "1803", key);
  EXPECT_EQ(reply.body, fail_body("1803", "Integration with the API key was not found"));
}

TEST_F(AuthTest, DeactivatedIntegrationIs1804EvenWithAValidSignature) {
  ASSERT_TRUE(service().store().set_integration_active(client_->integration_id(), false));
  // The directory cache is off in the fixture, but poll rather than rely on it.
  HttpReply reply;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        reply = client_->ine_registry(session_id_);
        return reply.status != 200;
      },
      kWaitDeadline, "the deactivation to be seen"));
  expect_unauthorized(reply, "1804", client_->api_key());
  EXPECT_EQ(reply.body, fail_body("1804", "Integration with the API key is not active"));

  ASSERT_TRUE(service().store().set_integration_active(client_->integration_id(), true));
  EXPECT_EQ(client_->wait_ine_registry(session_id_).status, 200);
}

TEST_F(AuthTest, MissingSignatureIs1812) {
  const auto reply = client_->ine_registry(session_id_, "?version=v1", Signing::kNone);
  expect_unauthorized(reply, "1812", client_->api_key());
  EXPECT_EQ(reply.body, fail_body("1812", "Signature is not a valid SHA256 hash"));
}

TEST_F(AuthTest, SignatureThatIsNotHexIs1812) {
  expect_unauthorized(get({{"X-AUTH-CLIENT", client_->api_key()}, {"X-HMAC-SIGNATURE", std::string(64, 'z')}}), "1812",
                      client_->api_key());
}

TEST_F(AuthTest, SignatureOfTheWrongLengthIs1812) {
  expect_unauthorized(get({{"X-AUTH-CLIENT", client_->api_key()}, {"X-HMAC-SIGNATURE", id_signature().substr(0, 63)}}),
                      "1812", client_->api_key());
}

TEST_F(AuthTest, WrongSignatureIs1818) {
  const auto reply =
      get({{"X-AUTH-CLIENT", client_->api_key()},
           {"X-HMAC-SIGNATURE", auth::hmac_sha256_hex(client_->secret(), session_id_ + "/decision/ine-registry")}});
  expect_unauthorized(reply, "1818", client_->api_key());
  EXPECT_EQ(reply.body,
            fail_body("1818", "Signature does not match the HMAC-SHA256 of query ID and integration API secret"));
}

TEST_F(AuthTest, AnotherIntegrationsSecretIs1818) {
  const auto reply = get({{"X-AUTH-CLIENT", client_->api_key()},
                          {"X-HMAC-SIGNATURE", auth::hmac_sha256_hex(other_client_->secret(), session_id_)}});
  expect_unauthorized(reply, "1818", client_->api_key());
}

TEST_F(AuthTest, UppercaseHexSignatureIsAccepted) {
  std::string upper = id_signature();
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  const auto reply = get({{"X-AUTH-CLIENT", client_->api_key()}, {"X-HMAC-SIGNATURE", upper}});
  EXPECT_EQ(reply.status, 200) << reply.body;
  expect_signed(reply, *client_);
}

TEST_F(AuthTest, PatchSignedOverADifferentBodyIs1819) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  const std::string body(kSubmitBody);
  const std::string other_body = R"({"verification":{"status":"submitted" }})";
  const auto reply =
      client_->send("PATCH", "/v1/sessions/" + id, body, auth::hmac_sha256_hex(client_->secret(), other_body));
  expect_unauthorized(reply, "1819", client_->api_key());
  EXPECT_EQ(reply.body,
            fail_body("1819", "Signature does not match the HMAC-SHA256 of request body and integration API secret"));
  // The session was not submitted.
  EXPECT_EQ(client_->submit(id).status, 200);
}

TEST_F(AuthTest, LegacySignatureIsAcceptedAndAnsweredWithXSignature) {
  const auto reply = client_->ine_registry(session_id_, "?version=v1", Signing::kLegacy);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("x-auth-client"), client_->api_key());
  EXPECT_EQ(reply.header("x-signature"), auth::legacy_sha256_hex(reply.body, client_->secret()));
  EXPECT_FALSE(reply.has_header("x-hmac-signature"));
}

TEST_F(AuthTest, WrongLegacySignatureIs1813) {
  const auto reply = get(
      {{"X-AUTH-CLIENT", client_->api_key()}, {"X-SIGNATURE", auth::legacy_sha256_hex(session_id_, "not-the-secret")}});
  expect_unauthorized(reply, "1813", client_->api_key());
  EXPECT_EQ(reply.body,
            fail_body("1813", "Signature does not match the SHA256 hash of query ID and integration API secret"));
}

TEST_F(AuthTest, WrongLegacyBodySignatureIs1814) {
  const std::string body = ine_body(vigente_.credential);
  HttpCall call{
      "POST",
      "/v1/sessions",
      body,
      {{"X-AUTH-CLIENT", client_->api_key()}, {"X-SIGNATURE", auth::legacy_sha256_hex("{}", client_->secret())}}};
  expect_unauthorized(testing::http_call(port(), call), "1814", client_->api_key());
}

TEST_F(AuthTest, LegacySignedCreateIsAccepted) {
  const auto reply = client_->post_session(ine_body(vigente_.credential), Signing::kLegacy);
  EXPECT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(reply.header("x-signature"), auth::legacy_sha256_hex(reply.body, client_->secret()));
}

// Failed authentication throttled: after 2 failures in a window each further one is
// answered 300 ms late, after 4 it is 429 with Retry-After; correct requests never are.
class ThrottledAuthTest : public AuthTest {
 protected:
  ServiceOptions options() const override {
    ServiceOptions o;
    o.auth_throttle = {
        .failure_window_ms = 60'000, .failures_before_delay = 2, .failure_delay_ms = 300, .failures_before_429 = 4};
    return o;
  }

  HttpReply wrong_signature() const {
    return get({{"X-AUTH-CLIENT", client_->api_key()}, {"X-HMAC-SIGNATURE", std::string(64, 'f')}});
  }
};

TEST_F(ThrottledAuthTest, RepeatedWrongSignaturesAreSlowedThenRefusedButCorrectOnesAreNot) {
  using std::chrono::steady_clock;
  for (int failure = 1; failure <= 2; ++failure) {
    const auto started = steady_clock::now();
    expect_unauthorized(wrong_signature(), "1818", client_->api_key());
    EXPECT_LT(steady_clock::now() - started, std::chrono::milliseconds(300)) << "failure " << failure;
  }
  for (int failure = 3; failure <= 4; ++failure) {
    const auto started = steady_clock::now();
    expect_unauthorized(wrong_signature(), "1818", client_->api_key());
    EXPECT_GE(steady_clock::now() - started, std::chrono::milliseconds(300)) << "failure " << failure;
  }
  const auto refused = wrong_signature();
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.body, fail_body("1101", "Too many requests"));
  ASSERT_TRUE(refused.has_header("retry-after"));
  const int retry_after = std::stoi(refused.header("retry-after"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 60);

  // The same integration, correctly signed, from the same address: answered at once.
  const auto started = steady_clock::now();
  const auto correct = get({{"X-AUTH-CLIENT", client_->api_key()}, {"X-HMAC-SIGNATURE", id_signature()}});
  EXPECT_EQ(correct.status, 200) << correct.body;
  EXPECT_LT(steady_clock::now() - started, std::chrono::milliseconds(300));

  const auto metrics = testing::http_call(port(), HttpCall{"GET", "/metrics", "", {}});
  EXPECT_NE(metrics.body.find("inereg_auth_failures_delayed_total 2\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("inereg_auth_failures_refused_total 1\n"), std::string::npos) << metrics.body;
}

TEST_F(ThrottledAuthTest, ManyUnknownKeysFromOneAddressAreCountedTogether) {
  // A different random key each time: the address, not the key, reaches the limit.
  for (int failure = 1; failure <= 4; ++failure) {
    EXPECT_EQ(get({{"X-AUTH-CLIENT", auth::random_uuid_v4()}}).status, 401) << "failure " << failure;
  }
  EXPECT_EQ(get({{"X-AUTH-CLIENT", auth::random_uuid_v4()}}).status, 429);
}

}  // namespace
}  // namespace inereg::component
