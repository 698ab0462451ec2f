// GET /v1/sessions/{id}/decision/ine-registry: the endpoint inereg exists for.
#include "service_fixture.hpp"

#include "auth/secret_box.hpp"
#include "auth/signing.hpp"
#include "support/wait_until.hpp"
#include "util/time.hpp"

namespace inereg::component {
namespace {

using IneRegistryTest = ComponentTest;
using IneRegistryPendingTest = PendingChecksTest;

// "parámetros" as UTF-8 bytes, spelled out so the test does not depend on the source encoding.
constexpr std::string_view kNotFoundCredentialBody =
    "{\"active\":false,\"documentState\":\"No se obtuvieron datos de la consulta con los par\xc3\xa1"
    "metros seleccionados\"}";

TEST_F(IneRegistryTest, VigenteCredentialAnswersTheExactBodySigned) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  const auto reply = client_->wait_ine_registry(id);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, kVigenteBody);
  expect_signed(reply, *client_);
  EXPECT_EQ(reply.header("x-hmac-signature"), auth::hmac_sha256_hex(client_->secret(), std::string(kVigenteBody)));
  EXPECT_FALSE(reply.has_header("retry-after"));
}

// A request head larger than the connection's field buffer (1 KiB: http/server.cpp)
// spills over to the heap and is read whole; the buffer is given back and taken again by
// each of the pipelined requests on one keep-alive connection.
TEST_F(IneRegistryTest, HeadsLargerThanTheFieldBufferAreReadWholeRequestAfterRequest) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  ASSERT_EQ(client_->wait_ine_registry(id).status, 200);
  std::string padding;
  for (int i = 0; i < 30; ++i) {
    padding += "X-Padding-" + std::to_string(i) + ": " + std::string(80, static_cast<char>('a' + i % 26)) + "\r\n";
  }
  ASSERT_GT(padding.size(), 2'000U);
  const auto request = [&](std::string_view extra, std::string_view signature, bool last) {
    return "GET /v1/sessions/" + id + "/decision/ine-registry?version=v1 HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
           std::string(extra) + "X-AUTH-CLIENT: " + client_->api_key() +
           "\r\nX-HMAC-SIGNATURE: " + std::string(signature) + "\r\n" + (last ? "Connection: close\r\n" : "") + "\r\n";
  };
  const std::string signature = auth::hmac_sha256_hex(client_->secret(), id);
  const std::string wrong = auth::hmac_sha256_hex("not the secret", id);
  const std::string received = testing::raw_exchange(
      port(), request(padding, signature, false) + request("", signature, false) + request(padding, wrong, true));
  // Two signed 200s with the vigente body, then the 401 of the wrong signature.
  const auto first = received.find("HTTP/1.1 200 ");
  const auto second = received.find("HTTP/1.1 200 ", first + 1);
  const auto third = received.find("HTTP/1.1 401 ", second + 1);
  ASSERT_EQ(first, 0U) << received;
  ASSERT_NE(second, std::string::npos) << received;
  ASSERT_NE(third, std::string::npos) << received;
  const std::string body(kVigenteBody);
  EXPECT_NE(received.substr(first, second - first).find(body), std::string::npos) << received;
  EXPECT_NE(received.substr(second, third - second).find(body), std::string::npos) << received;
  EXPECT_EQ(received.find("HTTP/1.1", third + 1), std::string::npos) << received;
}

TEST_F(IneRegistryTest, TheAnswerIsStableAcrossReads) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  const auto first = client_->wait_ine_registry(id);
  const auto second = client_->ine_registry(id);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.header("x-hmac-signature"), first.header("x-hmac-signature"));
}

// The result cache keeps a completed answer past its TTL while the deletion journal
// reads, and drops it when the journal lists the session (another node's DELETE). A
// result never changes in the store; the test changes one behind the service's back
// only to see which of the two an answer came from.
class IneRegistryCacheTest : public ComponentTest {
 protected:
  static constexpr std::int64_t kTtlMs = 300;
  ServiceOptions options() const override {
    ServiceOptions o;
    o.result_cache_ms = kTtlMs;
    return o;
  }
};

TEST_F(IneRegistryCacheTest, AnAnswerOutlivesTheTtlUntilTheDeletionJournalListsItsSession) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  ASSERT_EQ(client_->wait_ine_registry(id).body, kVigenteBody);
  database().exec("UPDATE ine_results SET document_state = 'changed behind the cache' WHERE session_id = '" + id + "'");

  std::this_thread::sleep_for(std::chrono::milliseconds(4 * kTtlMs));
  EXPECT_EQ(client_->ine_registry(id).body, kVigenteBody) << "answered from the cache, not read again after the TTL";

  database().exec("INSERT INTO session_deletions(integration_id, session_id, deleted_at) VALUES ('" +
                  client_->integration_id() + "', '" + id + "', " + std::to_string(util::wall_clock_ms()) + ")");
  ASSERT_TRUE(testing::wait_until(
      [&] { return client_->ine_registry(id).body.find("changed behind the cache") != std::string::npos; },
      kWaitDeadline, "the answer read from the store once the journal lists the session"));
}

// api.result_cache_ms = 0 (docs/DEPLOYMENT.md): no cache and no journal thread; every
// GET reads the store, so a change there is answered at once.
class IneRegistryNoCacheTest : public ComponentTest {
 protected:
  ServiceOptions options() const override {
    ServiceOptions o;
    o.result_cache_ms = 0;
    return o;
  }
};

TEST_F(IneRegistryNoCacheTest, EveryAnswerIsReadFromTheStore) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  ASSERT_EQ(client_->wait_ine_registry(id).body, kVigenteBody);
  database().exec("UPDATE ine_results SET document_state = 'changed in the store' WHERE session_id = '" + id + "'");
  EXPECT_NE(client_->ine_registry(id).body.find("changed in the store"), std::string::npos);
}

TEST_F(IneRegistryTest, CredentialTheRegistryDoesNotKnowAnswersNotFoundText) {
  const std::string id = client_->create_and_submit(ine_body(unknown_.credential));
  const auto reply = client_->wait_ine_registry(id);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, kNotFoundCredentialBody);
  expect_signed(reply, *client_);
}

TEST_F(IneRegistryTest, DeclinedSituationAnswersInactiveWithItsText) {
  const std::string id = client_->create_and_submit(ine_body(deceased_.credential));
  const auto reply = client_->wait_ine_registry(id);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body,
            "{\"active\":false,\"documentState\":\"El registro fue dado de baja del Padr\xc3\xb3"
            "n Electoral por defunci\xc3\xb3n.\"}");
  expect_signed(reply, *client_);
}

TEST_F(IneRegistryTest, OcrOnlyCredentialIsLookedUpByItsMrzIdentifier) {
  // Document number = the 13-digit OCR block, plus the CIC: the E-H form is derived.
  const std::string body = R"({"verification":{"person":{"ifeIdentifier":")" + vigente_.credential.ocr +
                           R"("},"document":{"country":"MX","number":")" + vigente_.credential.cic + R"("}}})";
  const std::string id = client_->create_and_submit(body);
  EXPECT_EQ(client_->wait_ine_registry(id).body, kVigenteBody);
}

struct BadVersion {
  const char* name;
  const char* query;
  const char* code;
  const char* message;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const BadVersion& value, std::ostream* os) {
  *os << value.name;
}

class IneRegistryVersionTest : public ComponentTest, public ::testing::WithParamInterface<BadVersion> {};

TEST_P(IneRegistryVersionTest, AnswersASigned400) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  const auto reply = client_->ine_registry(id, GetParam().query);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, fail_body(GetParam().code, GetParam().message));
  expect_signed(reply, *client_);
}

INSTANTIATE_TEST_SUITE_P(
    IneRegistry, IneRegistryVersionTest,
    ::testing::Values(
        BadVersion{"Missing", "", "1102", "Mandatory parameters are missing from the request: version."},
        BadVersion{"MissingWithOtherParameters", "?lang=es", "1102",
                   "Mandatory parameters are missing from the request: version."},
        BadVersion{"Empty", "?version=", "1102", "Mandatory parameters are missing from the request: version."},
        BadVersion{"V2", "?version=v2", "1104", "Request includes invalid parameters: version must be v1 or 1.0.0."},
        BadVersion{"UpperCase", "?version=V1", "1104",
                   "Request includes invalid parameters: version must be v1 or 1.0.0."}),
    [](const ::testing::TestParamInfo<BadVersion>& info) { return std::string(info.param.name); });

class IneRegistryAcceptedVersionTest : public ComponentTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(IneRegistryAcceptedVersionTest, AnswersTheVerdictOnEveryRead) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  ASSERT_EQ(client_->wait_ine_registry(id).status, 200);
  // Repeated reads: the query parser once read past the query into the request line
  // (Boost 1.81 parse_query), which failed only some of the time.
  for (int i = 0; i < 25; ++i) {
    const auto reply = client_->ine_registry(id, GetParam());
    ASSERT_EQ(reply.status, 200) << "read " << i << ": " << reply.body;
    EXPECT_EQ(reply.body, kVigenteBody);
  }
}

INSTANTIATE_TEST_SUITE_P(IneRegistry, IneRegistryAcceptedVersionTest,
                         ::testing::Values("?version=v1", "?version=1.0.0", "?lang=es&version=v1",
                                           "?version=v1&lang=es", "?version=1%2E0%2E0"));

TEST_F(IneRegistryTest, AnotherIntegrationsSessionIsIndistinguishableFromAnUnknownOne) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  ASSERT_EQ(client_->wait_ine_registry(id).status, 200);
  const auto foreign = other_client_->ine_registry(id);
  const auto unknown = other_client_->ine_registry(auth::random_uuid_v4());
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(foreign.body, kNotFoundBody);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, kNotFoundBody);
  EXPECT_EQ(foreign.headers.count("retry-after"), unknown.headers.count("retry-after"));
  expect_signed(foreign, *other_client_);
  expect_signed(unknown, *other_client_);
}

TEST_F(IneRegistryTest, UnknownSessionIsNotFound) {
  const auto reply = client_->ine_registry(auth::random_uuid_v4());
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, kNotFoundBody);
  EXPECT_FALSE(reply.has_header("retry-after"));
  expect_signed(reply, *client_);
}

TEST_F(IneRegistryTest, IdThatIsNotAUuidIsNotFound) {
  const auto reply = client_->ine_registry("not-a-session");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, kNotFoundBody);
  expect_signed(reply, *client_);
}

TEST_F(IneRegistryTest, SessionNotYetSubmittedIsNotFoundWithoutRetryAfter) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  const auto reply = client_->ine_registry(id);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, kNotFoundBody);
  EXPECT_FALSE(reply.has_header("retry-after"));
  expect_signed(reply, *client_);
}

TEST_F(IneRegistryPendingTest, PendingCheckIsNotFoundWithRetryAfter) {
  const std::string id = client_->create_and_submit(ine_body(vigente_.credential));
  const auto reply = client_->ine_registry(id);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, kNotFoundBody);
  EXPECT_EQ(reply.header("retry-after"), "2");
  expect_signed(reply, *client_);
  EXPECT_EQ(service().store().pending_check_count(), 1);
}

TEST_F(IneRegistryTest, NonMexicanSessionIsNeverCheckedAndAsksForResubmission) {
  const std::string id = client_->create_and_submit(
      R"({"verification":{"document":{"country":"DO","type":"PASSPORT","number":"AB1234567"}}})");
  const auto decision = client_->wait_decision(id);
  const auto& v = decision.at("verification").as_object();
  EXPECT_EQ(v.at("status"), "resubmission_requested");
  EXPECT_EQ(v.at("code"), 9103);
  EXPECT_EQ(v.at("reason"), "INE credential data missing: no registry check could be run");
  const auto reply = client_->ine_registry(id);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, kNotFoundBody);
  EXPECT_FALSE(reply.has_header("retry-after"));
  EXPECT_EQ(service().store().pending_check_count(), 0);
}

TEST_F(IneRegistryTest, MexicanCardWithoutLookupDataAsksForResubmission) {
  const std::string id = client_->create_and_submit(
      R"({"verification":{"person":{"firstName":"JUAN"},"document":{"country":"MX","type":"ID_CARD"}}})");
  EXPECT_EQ(client_->wait_decision(id).at("verification").at("code"), 9103);
  EXPECT_EQ(client_->ine_registry(id).status, 404);
}

// A storage failure is a 500 in the documented shape, signed, with no internal detail:
// the table the endpoint reads is dropped behind the running service's back (through
// sqlite3 or libpq, whichever backend the suite runs on).
TEST_F(IneRegistryTest, StoreFailureIsTheDocumented500WithoutDetail) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  ASSERT_NO_THROW(database().exec("DROP TABLE ine_results"));

  const auto reply = client_->ine_registry(id);
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.body, R"({"status":"fail","code":"1101","message":"Something went wrong"})");
  expect_signed(reply, *client_);
}

}  // namespace
}  // namespace inereg::component
