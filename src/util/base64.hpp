#pragma once

#include <string>
#include <string_view>

namespace inereg::util {

// Standard base64 (RFC 4648 §4), padded, no line breaks. (Decoding, with the media
// API's rules, is media::decode_base64.)
std::string base64_encode(std::string_view bytes);

}  // namespace inereg::util
