#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace inereg::util {

using TimeMs = std::int64_t;

inline TimeMs wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2019-11-06T07:18:36.916Z": Veriff's timestamp form (veriff-api.md §6.3).
std::string format_iso8601_ms(TimeMs ms);

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)", as Veriff's clients send request
// timestamps (toISOString() with Z, Luxon's toISO() with an offset; veriff-api.md §6.3),
// as milliseconds since the epoch; nullopt when malformed or not a real date and time.
std::optional<TimeMs> parse_iso8601(std::string_view text);

// "YYYY-MM-DD" naming a real calendar day (veriff-api.md §6.3 dates).
bool is_calendar_date(std::string_view text);

}  // namespace inereg::util
