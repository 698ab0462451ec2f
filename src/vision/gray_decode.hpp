#pragma once

#include <cstdint>
#include <span>

#include "vision/leptonica.hpp"

namespace inereg::vision {

// Decodes a JPEG, PNG or WebP image to 8-bit grey, the only form the reader uses, so
// that reading the largest accepted image (media::ImageLimits: 50 MP) never holds its
// colour pixels twice. A JPEG wider than twice `useful_width` is decoded at 1/2, 1/4 or
// 1/8 scale (libjpeg's DCT scaling, nearly free) since the reader scales it down to that
// width anyway. nullptr for anything else or anything undecodable.
PixPtr decode_gray(std::span<const std::uint8_t> encoded_image, int useful_width);

}  // namespace inereg::vision
