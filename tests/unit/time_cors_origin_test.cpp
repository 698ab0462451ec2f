// Request timestamps and dates (veriff-api.md §6.3), and CORS origin normalization.
#include <gtest/gtest.h>

#include "admin/integrations.hpp"
#include "util/time.hpp"

namespace inereg {
namespace {

TEST(ParseIso8601, ZuluAndOffsetFormsOfOneInstantAgree) {
  const auto zulu = util::parse_iso8601("2024-01-01T08:00:00.000Z");
  ASSERT_TRUE(zulu);
  EXPECT_EQ(*zulu, 1'704'096'000'000);
  EXPECT_EQ(util::parse_iso8601("2024-01-01T10:00:00.000+02:00"), zulu);
  EXPECT_EQ(util::parse_iso8601("2024-01-01T03:30:00-0430"), zulu);
  EXPECT_EQ(util::parse_iso8601("2024-01-01T08:00:00Z"), zulu);
  EXPECT_EQ(util::parse_iso8601("2024-01-01T08:00:00.5Z"), *zulu + 500);
  EXPECT_EQ(util::parse_iso8601("2024-01-01T08:00:00.123456Z"), *zulu + 123);  // microseconds truncated
  EXPECT_EQ(util::parse_iso8601(util::format_iso8601_ms(1'234'567'890'123)), 1'234'567'890'123);
}

TEST(ParseIso8601, MalformedTextIsRefused) {
  for (const char* text : {"", "2024-01-01", "2024-01-01T08:00:00", "2024-01-01 08:00:00Z", "2024-13-01T08:00:00Z",
                           "2023-02-29T08:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T08:00:00.Z",
                           "2024-01-01T08:00:00+2:00", "2024-01-01T08:00:00Zjunk", "yesterday",
                           // Neither hours-only offsets nor a "UTC" suffix: only Z, ±HH:MM, ±HHMM.
                           "2024-01-01T10:00:00.000+02", "2024-01-01T08:00:00UTC"}) {
    EXPECT_FALSE(util::parse_iso8601(text)) << text;
  }
  EXPECT_TRUE(util::parse_iso8601("2024-02-29T08:00:00Z"));  // leap day
}

TEST(CalendarDate, OnlyRealDaysInYyyyMmDd) {
  EXPECT_TRUE(util::is_calendar_date("1990-01-01"));
  EXPECT_TRUE(util::is_calendar_date("2000-02-29"));
  for (const char* text : {"1900-02-29", "1990-02-30", "1990-1-01", "01-01-1990", "1990/01/01", "1990-01-01T00:00"}) {
    EXPECT_FALSE(util::is_calendar_date(text)) << text;
  }
}

TEST(NormalizeCorsOrigin, WritesOriginsAsBrowsersSendThem) {
  EXPECT_EQ(admin::normalize_cors_origin("https://Shop.Example.com"), "https://shop.example.com");
  EXPECT_EQ(admin::normalize_cors_origin("https://shop.example.com/"), "https://shop.example.com");
  EXPECT_EQ(admin::normalize_cors_origin("https://shop.example.com:443"), "https://shop.example.com");
  EXPECT_EQ(admin::normalize_cors_origin("http://127.0.0.2:8000"), "http://127.0.0.2:8000");
  EXPECT_EQ(admin::normalize_cors_origin("HTTP://localhost:80"), "http://localhost");
  EXPECT_EQ(admin::normalize_cors_origin("http://[::1]:3000"), "http://[::1]:3000");
}

TEST(NormalizeCorsOrigin, RefusesWhatIsNoOrigin) {
  for (const char* text : {"*", "null", "shop.example.com", "ftp://shop.example.com", "https://shop.example.com/path",
                           "https://shop.example.com?x=1", "https://user@shop.example.com", "https://",
                           "https://shop.example.com:", "https://shop.example.com:70000"}) {
    EXPECT_FALSE(admin::normalize_cors_origin(text)) << text;
  }
}

}  // namespace
}  // namespace inereg
