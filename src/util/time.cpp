#include "util/time.hpp"

#include <ctime>

#include <fmt/format.h>

namespace inereg::util {

std::string format_iso8601_ms(TimeMs ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms % 1000));
}

namespace {

// The `count` digits at text[at...] as a number, or -1.
int digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) {
    return -1;
  }
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return -1;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool is_offset(std::string_view zone) {
  if (zone == "Z" || zone == "UTC") {
    return true;
  }
  if (zone.empty() || (zone[0] != '+' && zone[0] != '-')) {
    return false;
  }
  const int hours = digits(zone, 1, 2);
  if (hours < 0 || hours > 23) {
    return false;
  }
  if (zone.size() == 3) {
    return true;
  }
  const std::size_t minutes_at = zone[3] == ':' ? 4 : 3;
  const int minutes = digits(zone, minutes_at, 2);
  return minutes >= 0 && minutes <= 59 && zone.size() == minutes_at + 2;
}

}  // namespace

bool is_iso8601_date_time(std::string_view text) {
  // 2024-01-01T00:00:00
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return false;
  }
  const int month = digits(text, 5, 2);
  const int day = digits(text, 8, 2);
  const int hour = digits(text, 11, 2);
  const int minute = digits(text, 14, 2);
  const int second = digits(text, 17, 2);
  if (digits(text, 0, 4) < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60) {
    return false;
  }
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    const std::size_t first_digit = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      ++at;
    }
    if (at == first_digit) {
      return false;
    }
  }
  return is_offset(text.substr(at));
}

}  // namespace inereg::util
