// POST /v1/sessions over real HTTP.
#include "service_fixture.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "auth/signing.hpp"

namespace inereg::component {
namespace {

using CreateSessionTest = ComponentTest;

// The six members of the 201 verification summary, nothing more.
void expect_created_shape(const HttpReply& reply, const boost::json::value& vendor_data) {
  ASSERT_EQ(reply.status, 201) << reply.body;
  const auto body = parse_object(reply.body);
  ASSERT_EQ(body.size(), 2U) << reply.body;
  EXPECT_EQ(body.at("status"), "success");
  const auto& v = body.at("verification").as_object();
  EXPECT_EQ(v.size(), 6U) << reply.body;
  for (const char* key : {"id", "url", "vendorData", "host", "status", "sessionToken"}) {
    EXPECT_TRUE(v.contains(key)) << key;
  }
  EXPECT_TRUE(is_uuid_v4(v.at("id").as_string())) << v.at("id");
  EXPECT_EQ(v.at("status"), "created");
  EXPECT_EQ(text_of(v.at("host")), kPublicUrl);
  const std::string token(v.at("sessionToken").as_string());
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2) << "a JWT has three segments: " << token;
  EXPECT_EQ(text_of(v.at("url")), std::string(kPublicUrl) + "/v/" + token);
  EXPECT_EQ(v.at("vendorData"), vendor_data);
}

TEST_F(CreateSessionTest, SignedCreateAnswers201WithTheSixVerificationMembers) {
  const auto reply = client_->post_session(ine_body(vigente_.credential, "order-1"));
  expect_created_shape(reply, boost::json::string("order-1"));
  expect_signed(reply, *client_);
}

TEST_F(CreateSessionTest, EverySessionGetsItsOwnId) {
  const std::string body = ine_body(vigente_.credential);
  EXPECT_NE(client_->create(body), client_->create(body));
}

// Ids begin with their creation's millisecond (auth::time_ordered_uuid_v4), so the id
// indexes take each new session on their last page instead of a random one.
TEST_F(CreateSessionTest, LaterSessionsGetIdsThatSortAfterEarlierOnes) {
  const std::string body = ine_body(vigente_.credential);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(client_->create(body));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << ids.front() << " … " << ids.back();
}

TEST_F(CreateSessionTest, SignatureIsOptional) {
  const auto reply = client_->post_session(ine_body(vigente_.credential), Signing::kNone);
  expect_created_shape(reply, nullptr);
  expect_signed(reply, *client_);
}

TEST_F(CreateSessionTest, WrongSignatureIsRejectedWith1819) {
  const std::string body = ine_body(vigente_.credential);
  const auto reply = client_->send("POST", "/v1/sessions", body, auth::hmac_sha256_hex("not the secret", body));
  expect_unauthorized(reply, "1819", client_->api_key());
  expect_error(reply, 401, "1819",
               "Signature does not match the HMAC-SHA256 of request body and integration API secret");
}

TEST_F(CreateSessionTest, VendorDataIsEchoedByteForByteIncludingNonAscii) {
  const std::string vendor_data = "Peña ñandú 東京";  // UTF-8 source bytes
  expect_created_shape(client_->post_session(ine_body(vigente_.credential, vendor_data)),
                       boost::json::string(vendor_data));
}

TEST_F(CreateSessionTest, VendorDataIsNullWhenAbsent) {
  expect_created_shape(client_->post_session(R"({"verification":{}})"), nullptr);
}

TEST_F(CreateSessionTest, MinimumBodyIsAccepted) {
  const auto reply = client_->post_session(R"({"verification":{}})");
  EXPECT_EQ(reply.status, 201) << reply.body;
}

TEST_F(CreateSessionTest, VendorDataOfExactly1000SymbolsIsAccepted) {
  // Symbols, not bytes: 1000 two-byte characters are still 1000 symbols.
  std::string vendor_data;
  for (int i = 0; i < 1000; ++i) {
    vendor_data += "ñ";
  }
  EXPECT_EQ(client_->post_session(ine_body(vigente_.credential, vendor_data)).status, 201);
}

struct RejectedBody {
  const char* name;
  std::string body;
  const char* code;
  std::optional<std::string_view> message;  // exact, when the contract fixes it
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const RejectedBody& value, std::ostream* os) {
  *os << value.name;
}

class RejectedCreateTest : public ComponentTest, public ::testing::WithParamInterface<RejectedBody> {};

TEST_P(RejectedCreateTest, AnswersTheDocumentedError) {
  const auto& param = GetParam();
  const auto reply = client_->post_session(param.body);
  expect_error(reply, 400, param.code, param.message);
  expect_signed(reply, *client_);
}

INSTANTIATE_TEST_SUITE_P(
    CreateSession, RejectedCreateTest,
    ::testing::Values(
        RejectedBody{"NotJson", "verification=1", "1101", std::nullopt},
        RejectedBody{"JsonArray", "[]", "1101", std::nullopt},
        RejectedBody{"MissingVerification", R"({"person":{}})", "1102",
                     "Mandatory parameters are missing from the request: verification."},
        RejectedBody{"PersonNotObject", R"({"verification":{"person":"JUAN"}})", "1104",
                     "Request includes invalid parameters: verification.person must be an object."},
        RejectedBody{"VendorDataTooLong", R"({"verification":{"vendorData":")" + std::string(1001, 'x') + R"("}})",
                     "1500",
                     "vendorData field cannot be more than 1000 symbols. Use only non-semantic data (e.g. UUID) "
                     "that can not be resolved or used outside your systems or environments."},
        RejectedBody{"VendorDataNumber", R"({"verification":{"vendorData":12345}})", "1501",
                     "vendorData must be a string. Use only non-semantic data (e.g. UUID) that can not be resolved "
                     "or used outside your systems or environments."}),
    [](const ::testing::TestParamInfo<RejectedBody>& info) { return std::string(info.param.name); });

TEST_F(CreateSessionTest, UnknownFieldsOfVeriffsDemoBodiesAreTolerated) {
  // The HMAC JS demo's body (lang, features, timestamp), the legacy one's additionalData
  // and the TypeScript demo's document.category/validFrom/validUntil, around an MX card.
  boost::json::object document{
      {"number", vigente_.credential.cic}, {"country", "MX"},           {"type", "ID_CARD"},         {"category", "AB"},
      {"firstIssue", "2019-03-01"},        {"validFrom", "2019-03-01"}, {"validUntil", "2029-12-31"}};
  boost::json::object person{{"firstName", "JUAN"},
                             {"lastName", "PEREZ"},
                             {"gender", "M"},
                             {"dateOfBirth", "1990-01-01"},
                             {"ineIdentifier", vigente_.credential.citizen_id}};
  boost::json::object verification{{"callback", "https://client.example.test/done"},
                                   {"person", person},
                                   {"document", document},
                                   {"vendorData", "demo-42"},
                                   {"lang", "en"},
                                   {"features", boost::json::array{"selfid"}},
                                   {"timestamp", fresh_timestamp()},
                                   {"additionalData", {{"citizenship", "MX"}, {"placeOfResidence", "CDMX"}}}};
  const auto reply = client_->post_session(boost::json::serialize(boost::json::object{{"verification", verification}}));
  expect_created_shape(reply, boost::json::string("demo-42"));
}

TEST_F(CreateSessionTest, JsSdkBodyWithEmptyIdNumberAndBlankVendorDataIsAccepted) {
  // @veriff/js-sdk: unsigned, x-origin header, "" for an empty form field, " " to hide one.
  const std::string body =
      R"({"verification":{"callback":"https://client.example.test/","person":{"firstName":"Ana","lastName":"Ruiz",)"
      R"("idNumber":""},"vendorData":" ","timestamp":")" +
      fresh_timestamp() + R"("}})";
  HttpCall call{"POST",
                "/v1/sessions",
                body,
                {{"X-AUTH-CLIENT", client_->api_key()}, {"x-origin", "js-sdk"}, {"Content-Type", "application/json"}}};
  const auto reply = testing::http_call(port(), call);
  expect_created_shape(reply, boost::json::string(" "));
}

TEST_F(CreateSessionTest, ForeignPassportIsCreatedWithoutIneValidation) {
  // "AB1234567" is no INE identifier: a Dominican passport must not be validated as one.
  const auto reply = client_->post_session(R"({"verification":{"person":{"firstName":"ANA","lastName":"DIAZ"},)"
                                           R"("document":{"country":"DO","type":"PASSPORT","number":"AB1234567"}}})");
  expect_created_shape(reply, nullptr);
}

TEST_F(CreateSessionTest, MexicanPassportIsNotAnIneCredential) {
  const auto reply = client_->post_session(
      R"({"verification":{"document":{"country":"MX","type":"PASSPORT","number":"G12345678AB"}}})");
  EXPECT_EQ(reply.status, 201) << reply.body;
}

// A Mexican ID card body whose one INE field is malformed.
struct MalformedField {
  const char* name;
  std::string field;  // the JSON path the message must name
  std::string person;
  std::string document;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const MalformedField& value, std::ostream* os) {
  *os << value.name;
}

class MalformedIneFieldTest : public ComponentTest, public ::testing::WithParamInterface<MalformedField> {};

TEST_P(MalformedIneFieldTest, AnswersInvalidParametersNamingTheField) {
  const auto& param = GetParam();
  const std::string body = R"({"verification":{"person":{"firstName":"JUAN")" + param.person +
                           R"(},"document":{"country":"MX","type":"ID_CARD")" + param.document + "}}}";
  const auto reply = client_->post_session(body);
  expect_error(reply, 400, "1104");
  const auto message = std::string(parse_object(reply.body).at("message").as_string());
  EXPECT_NE(message.find(param.field), std::string::npos) << message;
  EXPECT_EQ(message.rfind("Request includes invalid parameters: ", 0), 0U) << message;
}

INSTANTIATE_TEST_SUITE_P(
    CreateSession, MalformedIneFieldTest,
    ::testing::Values(
        MalformedField{"DocumentNumberShape", "document.number", "", R"(,"number":"12345")"},
        MalformedField{"DocumentNumberLetters", "document.number", "", R"(,"number":"ABCDEFGHI")"},
        MalformedField{"DocumentNumberNotString", "document.number", "", R"(,"number":187006412)"},
        MalformedField{"IneIdentifier", "person.ineIdentifier", R"(,"ineIdentifier":"12345678")", ""},
        MalformedField{"IfeIdentifier", "person.ifeIdentifier", R"(,"ifeIdentifier":"123456789012")", ""},
        MalformedField{"IfeIdentifierContradictsNumber", "person.ifeIdentifier", R"(,"ifeIdentifier":"1111111111111")",
                       R"(,"number":"2222222222222")"},
        MalformedField{"ElectorNumber", "person.electorNumber", R"(,"electorNumber":"PRPRJN90010109H1")", ""},
        MalformedField{"IssueNumber", "document.issueNumber", "", R"(,"issueNumber":"123")"},
        MalformedField{"IdNumberCheckDigit", "person.idNumber", R"(,"idNumber":"HECA900101HDFRRL09")", ""}),
    [](const ::testing::TestParamInfo<MalformedField>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace inereg::component
