#include "util/hex.hpp"

#include <array>
#include <cstdint>

namespace inereg::util {
namespace {

// The value of each byte as a hex digit, -1 for the bytes that are none: one load per
// character. Sealed columns arrive as hex (several per session read), and the
// comparisons of a branchy decoder were 7.5 % of a node's CPU in the checks bench.
constexpr std::array<std::int8_t, 256> kHexValues = [] {
  std::array<std::int8_t, 256> values{};
  values.fill(-1);
  for (int c = '0'; c <= '9'; ++c) {
    values[c] = static_cast<std::int8_t>(c - '0');
  }
  for (int c = 'a'; c <= 'f'; ++c) {
    values[c] = static_cast<std::int8_t>(c - 'a' + 10);
    values[c - 'a' + 'A'] = static_cast<std::int8_t>(c - 'a' + 10);
  }
  return values;
}();

int hex_value(char c) {
  return kHexValues[static_cast<unsigned char>(c)];
}

}  // namespace

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0x0f];
  }
  return out;
}

bool from_hex_into(std::string_view hex, std::span<unsigned char> out) {
  if (hex.size() % 2 != 0 || hex.size() / 2 != out.size()) {
    return false;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if ((hi | lo) < 0) {
      return false;
    }
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return std::nullopt;
  }
  std::string out(hex.size() / 2, '\0');
  if (!from_hex_into(hex, std::span(reinterpret_cast<unsigned char*>(out.data()), out.size()))) {
    return std::nullopt;
  }
  return out;
}

}  // namespace inereg::util
