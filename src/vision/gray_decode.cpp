#include "vision/gray_decode.hpp"

#include <png.h>

#include <string_view>

#include "media/image_content.hpp"

namespace inereg::vision {
namespace {

// JPEG: the luminance channel only (no chroma is decoded at all), at the smallest DCT
// scale that still leaves twice the useful width.
PixPtr decode_jpeg(std::span<const std::uint8_t> bytes, const media::ImageSize& size, int useful_width) {
  l_int32 reduction = 1;
  while (reduction < 8 && size.width / reduction > 2 * useful_width) {
    reduction *= 2;
  }
  return PixPtr(pixReadMemJpeg(bytes.data(), bytes.size(), 0, reduction, nullptr, L_JPEG_READ_LUMINANCE));
}

// PNG through libpng's simplified API, which converts any PNG (palette, 16-bit, alpha,
// interlaced) to 8-bit gray row by row into the one buffer: Leptonica's own PNG reader
// holds every decoded row and a 32-bit image at once (350 MB at 50 MP).
PixPtr decode_png(std::span<const std::uint8_t> bytes) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()) == 0) {
    return nullptr;
  }
  image.format = PNG_FORMAT_GRAY;
  PixPtr gray(pixCreate(static_cast<l_int32>(image.width), static_cast<l_int32>(image.height), 8));
  if (!gray) {
    png_image_free(&image);
    return nullptr;
  }
  // Transparent parts are composed onto what the buffer holds: white paper.
  pixSetAll(gray.get());
  pixEndianByteSwap(gray.get());  // to byte order for libpng's rows, and back below
  const auto row_stride = static_cast<png_int_32>(pixGetWpl(gray.get()) * 4);
  if (png_image_finish_read(&image, nullptr, pixGetData(gray.get()), row_stride, nullptr) == 0) {
    png_image_free(&image);
    return nullptr;
  }
  pixEndianByteSwap(gray.get());
  return gray;
}

// WebP (rare from a phone's camera) through Leptonica, which decodes into its own
// 32-bit image; converted to gray and the colour freed.
PixPtr decode_webp(std::span<const std::uint8_t> bytes) {
  PixPtr colour(pixReadMemWebP(bytes.data(), bytes.size()));
  if (!colour) {
    return nullptr;
  }
  return PixPtr(pixConvertRGBToLuminance(colour.get()));
}

}  // namespace

PixPtr decode_gray(std::span<const std::uint8_t> encoded_image, int useful_width) {
  const std::string_view bytes(reinterpret_cast<const char*>(encoded_image.data()), encoded_image.size());
  const auto type = media::sniff_mimetype(bytes);
  if (type == media::kJpeg) {
    const auto size = media::declared_size(bytes);
    return size ? decode_jpeg(encoded_image, *size, useful_width) : nullptr;
  }
  if (type == media::kPng) {
    return decode_png(encoded_image);
  }
  if (type == media::kWebp) {
    return decode_webp(encoded_image);
  }
  return nullptr;
}

}  // namespace inereg::vision
