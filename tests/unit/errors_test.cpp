// The one error table: every kind carries a code Veriff documents, with the HTTP status
// the code's family implies (veriff-api.md §3).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>
#include <string>

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

}  // namespace
}  // namespace inereg::api
