#include "veriff/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace inereg::veriff {
namespace {

// ECMAScript Number::toString: the shortest digits that round-trip, written in fixed
// notation for decimal exponents from -6 to 20 and as "1e+21" / "1.5e-7" outside them.
// Boost.JSON writes doubles as "1.5E0", which JSON.stringify verifiers would not reproduce.
void append_number(std::string& out, double number) {
  if (!std::isfinite(number)) {
    out += "null";  // what JSON.stringify writes for Infinity and NaN
    return;
  }
  if (number == 0) {
    out += '0';  // also for -0
    return;
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), number, std::chars_format::scientific);
  std::string_view scientific(buffer, static_cast<std::size_t>(result.ptr - buffer));  // "-1.25e+02"
  if (scientific.front() == '-') {
    out += '-';
    scientific.remove_prefix(1);
  }
  const std::size_t e = scientific.find('e');
  std::string digits;
  for (const char c : scientific.substr(0, e)) {
    if (c != '.') {
      digits += c;
    }
  }
  int exponent = 0;
  const auto exponent_text = scientific.substr(e + (scientific[e + 1] == '+' ? 2 : 1));
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;  // the decimal point sits after n digits
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits.front();
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += exponent < 0 ? "e-" : "e+";
    out += std::to_string(exponent < 0 ? -exponent : exponent);
  }
}

// JavaScript reads every number as a double, so integers beyond 2^53 come back rounded.
constexpr std::int64_t kMaxSafeInteger = (std::int64_t{1} << 53);

void append_json(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) {
          out += ',';
        }
        first = false;
        out += boost::json::serialize(member.key());
        out += ':';
        append_json(out, member.value());
      }
      out += '}';
      return;
    }
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value.get_array()) {
        if (!first) {
          out += ',';
        }
        first = false;
        append_json(out, element);
      }
      out += ']';
      return;
    }
    case boost::json::kind::double_:
      append_number(out, value.get_double());
      return;
    case boost::json::kind::int64:
      if (value.get_int64() > kMaxSafeInteger || value.get_int64() < -kMaxSafeInteger) {
        append_number(out, static_cast<double>(value.get_int64()));
        return;
      }
      break;
    case boost::json::kind::uint64:
      if (value.get_uint64() > static_cast<std::uint64_t>(kMaxSafeInteger)) {
        append_number(out, static_cast<double>(value.get_uint64()));
        return;
      }
      break;
    default:
      break;
  }
  // Strings, booleans, null and safe integers: Boost.JSON already writes these as
  // JSON.stringify does (literal UTF-8, '/' unescaped, lowercase \u00xx for controls).
  out += boost::json::serialize(value);
}

}  // namespace

std::string to_json(const boost::json::value& value) {
  std::string out;
  append_json(out, value);
  return out;
}

boost::json::value string_or_null(const std::optional<std::string>& value) {
  if (!value) {
    return nullptr;
  }
  return boost::json::string(*value);
}

boost::json::value text_or_null(const std::string& text) {
  return text.empty() ? boost::json::value(nullptr) : boost::json::value(boost::json::string(text));
}

}  // namespace inereg::veriff
