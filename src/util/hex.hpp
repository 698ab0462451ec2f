#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace inereg::util {

// Lowercase hex of the bytes.
std::string to_hex(std::string_view bytes);

// The bytes of an even-length hex string (either case); nullopt on any other input.
std::optional<std::string> from_hex(std::string_view hex);

// from_hex into `out`, which must be exactly hex.size() / 2 bytes: no allocation. False
// (and `out` unspecified) on input from_hex refuses or a size that does not fit.
bool from_hex_into(std::string_view hex, std::span<unsigned char> out);

}  // namespace inereg::util
