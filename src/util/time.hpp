#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace inereg::util {

using TimeMs = std::int64_t;

inline TimeMs wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2019-11-06T07:18:36.916Z": Veriff's timestamp form (veriff-api.md §6.3).
std::string format_iso8601_ms(TimeMs ms);

}  // namespace inereg::util
