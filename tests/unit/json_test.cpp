#include <gtest/gtest.h>

#include <string>

#include <boost/json.hpp>

#include "api/errors.hpp"
#include "veriff/json.hpp"

// Signed bodies must equal what JavaScript's JSON.stringify writes (veriff-api.md §2.3),
// because Veriff's own verifiers sign JSON.stringify(JSON.parse(body)). Every expected
// text below was produced by Node.js's JSON.stringify.
namespace inereg::api {
namespace {

using veriff::to_json;

std::string restringify(std::string_view json_text) {
  return to_json(boost::json::parse(json_text));
}

TEST(ToJson, WritesCompactObjectsWithKeysInInsertionOrder) {
  boost::json::object body;
  body["zeta"] = 1;
  body["alpha"] = true;
  body["mid"] = nullptr;
  body["list"] = boost::json::array{-5, "x", boost::json::object{}, boost::json::array{}};
  EXPECT_EQ(to_json(body), R"({"zeta":1,"alpha":true,"mid":null,"list":[-5,"x",{},[]]})");
}

TEST(ToJson, ReassigningAKeyKeepsItsPosition) {
  boost::json::object body;
  body["active"] = false;
  body["documentState"] = "x";
  body["active"] = true;
  EXPECT_EQ(to_json(body), R"({"active":true,"documentState":"x"})");
}

TEST(ToJson, WritesNonAsciiAsLiteralUtf8AndLeavesSlashUnescaped) {
  boost::json::object body;
  body["documentState"] = "No se obtuvieron datos de la consulta con los par\xC3\xA1metros seleccionados";
  body["url"] =
      "https://example.test/v1/sessions/\xC3\x91u\xC3\xB1"
      "o \xF0\x9F\x98\x80";
  EXPECT_EQ(to_json(body),
            "{\"documentState\":\"No se obtuvieron datos de la consulta con los par\xC3\xA1metros seleccionados\","
            "\"url\":\"https://example.test/v1/sessions/\xC3\x91u\xC3\xB1o \xF0\x9F\x98\x80\"}");
}

TEST(ToJson, EscapesOnlyQuotesBackslashesAndControlCharacters) {
  boost::json::object body;
  body["s"] = "\"q\" \\ \n\r\t\b\f \x01 \x1f \x7f \xE2\x80\xA8";
  // DEL and U+2028 stay literal, as in JSON.stringify; other controls are lowercase \u00xx.
  EXPECT_EQ(to_json(body), "{\"s\":\"\\\"q\\\" \\\\ \\n\\r\\t\\b\\f \\u0001 \\u001f \x7f \xE2\x80\xA8\"}");
}

TEST(ToJson, UnicodeEscapesInInputComeOutAsLiteralUtf8) {
  EXPECT_EQ(restringify(R"({"documentState": "par\u00e1metros", "b": "\u002f\u0041"})"),
            "{\"documentState\":\"par\xC3\xA1metros\",\"b\":\"/A\"}");
}

TEST(ToJson, IntegersHaveNoDecimalPointOrExponent) {
  EXPECT_EQ(restringify(R"({"status":400,"n":-7,"zero":0})"), R"({"status":400,"n":-7,"zero":0})");
}

// Clients may send numbers in person/document members that inereg stores and echoes in
// signed responses (GET /v1/sessions/{id}/person), so floating-point numbers must also be
// written as JavaScript's Number#toString writes them.
TEST(ToJson, WritesFractionsAsJavaScriptDoes) {
  EXPECT_EQ(restringify("[1.5,0.1,123.456,-2.5]"), "[1.5,0.1,123.456,-2.5]");
}

TEST(ToJson, WritesIntegralDoublesWithoutDecimalPointOrExponent) {
  EXPECT_EQ(restringify("[100.0,1e2,-0.0,1e20]"), "[100,100,0,100000000000000000000]");
}

TEST(ToJson, UsesExponentsOnlyWhereJavaScriptDoes) {
  EXPECT_EQ(restringify("[1e21,1e-6,1e-7,0.000001234,-2.5e-10,1.7976931348623157e308,5e-324]"),
            "[1e+21,0.000001,1e-7,0.000001234,-2.5e-10,1.7976931348623157e+308,5e-324]");
}

TEST(ToJson, IntegersBeyondDoublePrecisionAreRoundedAsJavaScriptReadsThem) {
  EXPECT_EQ(restringify("[18446744073709551615,9007199254740993,-9223372036854775808]"),
            "[18446744073709552000,9007199254740992,-9223372036854776000]");
  // Built directly: Boost.JSON 1.81 parses 123456789012345678901 one ulp below the nearest double.
  EXPECT_EQ(to_json(boost::json::value(1.2345678901234568e20)), "123456789012345680000");
  EXPECT_EQ(restringify("[9007199254740992,-9007199254740992]"), "[9007199254740992,-9007199254740992]");
}

// --- error bodies -----------------------------------------------------------

TEST(ErrorBody, NotFoundIsTheDocumentedFailBody) {
  EXPECT_EQ(error_body(ErrorKind::kNotFound, "Resource not found"),
            R"({"status":"fail","code":"1101","message":"Resource not found"})");
}

TEST(ErrorBody, SessionNotCompletedCarriesANumericStatus) {
  EXPECT_EQ(error_body(ErrorKind::kSessionNotCompleted, "Session is not in a completed status."),
            R"({"status":400,"code":"1305","message":"Session is not in a completed status."})");
}

TEST(ErrorBody, MessageIsEscapedLikeJsonStringify) {
  EXPECT_EQ(error_body(ErrorKind::kInvalidParameters, "person.idNumber \"x\" / par\xC3\xA1metros"),
            "{\"status\":\"fail\",\"code\":\"1104\",\"message\":\"person.idNumber \\\"x\\\" / par\xC3\xA1metros\"}");
}

TEST(ErrorSpec, StatusesAndCodes) {
  struct Case {
    ErrorKind kind;
    int status;
    std::string_view code;
  };
  const Case cases[] = {
      {ErrorKind::kValidationFailed, 400, "1101"},
      {ErrorKind::kMandatoryParameters, 400, "1102"},
      {ErrorKind::kInvalidParameters, 400, "1104"},
      {ErrorKind::kInvalidStatus, 400, "1303"},
      {ErrorKind::kTransitionNotAllowed, 400, "1304"},
      {ErrorKind::kSessionNotCompleted, 400, "1305"},
      {ErrorKind::kVendorDataTooLong, 400, "1500"},
      {ErrorKind::kVendorDataNotString, 400, "1501"},
      {ErrorKind::kApiKeyMissing, 401, "1801"},
      {ErrorKind::kApiKeyNotUuid, 401, "1802"},
      {ErrorKind::kIntegrationNotFound, 401, "1803"},
      {ErrorKind::kIntegrationInactive, 401, "1804"},
      {ErrorKind::kSignatureMalformed, 401, "1812"},
      {ErrorKind::kLegacySignatureIdMismatch, 401, "1813"},
      {ErrorKind::kLegacySignatureBodyMismatch, 401, "1814"},
      {ErrorKind::kSignatureIdMismatch, 401, "1818"},
      {ErrorKind::kSignatureBodyMismatch, 401, "1819"},
      {ErrorKind::kNotFound, 404, "1101"},
      {ErrorKind::kPayloadTooLarge, 413, "1101"},
      {ErrorKind::kInternal, 500, "1101"},
  };
  for (const auto& c : cases) {
    const ErrorSpec spec = error_spec(c.kind);
    EXPECT_EQ(spec.http_status, c.status) << c.code;
    EXPECT_EQ(spec.code, c.code) << c.status;
    EXPECT_FALSE(spec.message.empty()) << c.code;
    EXPECT_EQ(spec.numeric_status, c.kind == ErrorKind::kSessionNotCompleted) << c.code;
    if (c.code.starts_with("18")) {
      EXPECT_EQ(spec.http_status, 401) << c.code;
    }
  }
}

TEST(ErrorSpec, DocumentedMessagesAreExact) {
  EXPECT_EQ(error_spec(ErrorKind::kNotFound).message, "Resource not found");
  EXPECT_EQ(error_spec(ErrorKind::kApiKeyMissing).message,
            "Mandatory X-AUTH-CLIENT header containing the API key is missing from the request.");
}

TEST(ApiError, PublicMessageFallsBackToTheSpec) {
  EXPECT_EQ(ApiError(ErrorKind::kNotFound).public_message(), "Resource not found");
  EXPECT_EQ(ApiError(ErrorKind::kInvalidParameters, "names document.number").public_message(), "names document.number");
}

}  // namespace
}  // namespace inereg::api
