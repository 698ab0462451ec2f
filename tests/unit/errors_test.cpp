// The one error table: every kind carries a code Veriff documents, with the HTTP status
// the code's family implies (veriff-api.md §3).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>
#include <string>
#include <utility>

#include "api/errors.hpp"

namespace inereg::api {
namespace {

// Every ErrorKind, in declaration order; the last one bounds the loop.
constexpr int kKindCount = static_cast<int>(ErrorKind::kTooManyRequests) + 1;

// Codes of veriff-api.md §3.2/§3.3 (1101 is the docs' generic code).
const std::set<std::string> kDocumentedCodes = {
    "1101", "1102", "1104", "1201", "1202", "1203", "1301", "1302", "1303", "1304", "1305", "1306", "1400", "1401",
    "1402", "1403", "1500", "1501", "1801", "1802", "1803", "1804", "1812", "1813", "1814", "1815", "1818", "1819"};

TEST(ErrorTable, EveryKindHasADocumentedCodeAndItsFamilysStatus) {
  for (int i = 0; i < kKindCount; ++i) {
    const ErrorSpec spec = error_spec(static_cast<ErrorKind>(i));
    const std::string code(spec.code);
    EXPECT_TRUE(kDocumentedCodes.count(code)) << "kind " << i << " code " << code;
    EXPECT_FALSE(spec.message.empty()) << "kind " << i;
    if (code.starts_with("18")) {
      EXPECT_EQ(spec.http_status, 401) << code;
    } else if (code != "1101") {
      EXPECT_EQ(spec.http_status, 400) << code;  // 11xx-15xx: the request is at fault
    }
  }
}

TEST(ErrorTable, EverySpecificCodeHasOneKind) {
  std::set<std::string> seen;
  for (int i = 0; i < kKindCount; ++i) {
    const std::string code(error_spec(static_cast<ErrorKind>(i)).code);
    if (code != "1101") {
      EXPECT_TRUE(seen.insert(code).second) << "two kinds share " << code;
    }
  }
}

TEST(ErrorTable, BodiesHaveVeriffsShape) {
  EXPECT_EQ(error_body(ErrorKind::kTooManyRequests, "Too many requests"),
            R"({"status":"fail","code":"1101","message":"Too many requests"})");
  EXPECT_EQ(error_spec(ErrorKind::kTooManyRequests).http_status, 429);
  EXPECT_EQ(error_body(ErrorKind::kSessionNotCompleted, "x"), R"({"status":400,"code":"1305","message":"x"})");
  EXPECT_EQ(error_spec(ErrorKind::kAuthenticationFailed).code, "1815");
  EXPECT_EQ(error_spec(ErrorKind::kOriginNotAllowed).http_status, 403);
}

TEST(ErrorResponse, CarriesTheErrorsHeaders) {
  const ApiResponse response = error_response(ApiError(ErrorKind::kTooManyRequests, {}, {{"Retry-After", "42"}}));
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(response.body, R"({"status":"fail","code":"1101","message":"Too many requests"})");
  EXPECT_EQ(response.content_type, "application/json");
  ASSERT_EQ(response.headers.size(), 1U);
  EXPECT_EQ(response.headers[0].first, "Retry-After");
  EXPECT_EQ(response.headers[0].second, "42");
}

TEST(ErrorResponse, TheServersRefusalsComeFromTheTable) {
  const ApiResponse malformed = refusal_response(http::Refusal::kMalformedRequest);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.body, R"({"status":"fail","code":"1101","message":"Malformed HTTP request"})");
  const ApiResponse body = refusal_response(http::Refusal::kBodyTooLarge);
  EXPECT_EQ(body.status, 413);
  EXPECT_EQ(body.body, R"({"status":"fail","code":"1101","message":"Request body is too large"})");
  const ApiResponse header = refusal_response(http::Refusal::kHeaderTooLarge);
  EXPECT_EQ(header.status, 431);
  EXPECT_EQ(header.body, R"({"status":"fail","code":"1101","message":"Request header fields too large"})");
}

}  // namespace
}  // namespace inereg::api
