// Fuzz target of the media upload's content handling (media/image_content.hpp): the
// input as `image.content` (bare base64 or a data URI), as base64 text, and as the
// decoded bytes of an image whose type and declared size are sniffed.
//
// Properties, besides "no crash, no sanitizer report":
//  - decode_base64 inverts util::base64_encode for any non-empty bytes;
//  - accepted content decodes to bytes whose sniffed type is the one reported, and a
//    data URI's declared type agrees with it;
//  - a refusal is exactly one error, never with an image;
//  - exceeds() is what declared_size() says against the limits, and a declared size is
//    positive.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "media/image_content.hpp"
#include "require.hpp"
#include "util/base64.hpp"

namespace {

using inereg::fuzz::require;

void check_content(std::string_view input) {
  const auto result = inereg::media::decode_image_content(input);
  require(result.image.has_value() != result.error.has_value());
  if (result.image) {
    const auto sniffed = inereg::media::sniff_mimetype(result.image->bytes);
    require(sniffed && *sniffed == result.image->mimetype && result.sniffed_mimetype == result.image->mimetype);
    require(!result.image->bytes.empty());
  }
}

void check_base64(std::string_view input) {
  (void)inereg::media::decode_base64(input);
  if (input.empty()) {
    return;  // no data is refused (1400), not decoded to nothing
  }
  const auto decoded = inereg::media::decode_base64(inereg::util::base64_encode(input));
  require(decoded && *decoded == input);
}

void check_image_header(std::string_view input) {
  (void)inereg::media::sniff_mimetype(input);
  const inereg::media::ImageLimits limits{.max_pixels = 1'000'000, .max_side = 2'000};
  const auto size = inereg::media::declared_size(input);
  if (size) {
    require(size->width > 0 && size->height > 0);
    const bool over = size->width > limits.max_side || size->height > limits.max_side ||
                      std::int64_t{size->width} * size->height > limits.max_pixels;
    require(inereg::media::exceeds(input, limits) == over);
  } else {
    require(!inereg::media::exceeds(input, limits));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_content(input);
  check_base64(input);
  check_image_header(input);
  return 0;
}
