#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace inereg::util {

// Lowercase hex of the bytes.
std::string to_hex(std::string_view bytes);

// The bytes of an even-length hex string (either case); nullopt on any other input.
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace inereg::util
