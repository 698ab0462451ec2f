#include "vision/gray_decode.hpp"

#include <png.h>
#include <webp/decode.h>

#include <cstdint>
#include <string_view>
#include <utility>

#include "media/image_content.hpp"

namespace inereg::vision {
namespace {

// Up to this many pixels an image is decoded in colour and turned grey with Leptonica's
// weights, the grey the reader's thresholds were tuned on (a phone's 12 MP photo: 48 MB
// of colour, briefly). Larger images are decoded straight to grey, within the one grey
// buffer: their grey differs slightly, which only matters to photos at the edge of
// readability, and it is what keeps a 50 MP image from holding its colour pixels twice.
constexpr std::int64_t kColourDecodePixels = 16'000'000;

PixPtr gray_of(PixPtr colour) {
  if (!colour) {
    return nullptr;
  }
  PixPtr no_colormap(pixRemoveColormap(colour.get(), REMOVE_CMAP_BASED_ON_SRC));
  PIX* source = no_colormap ? no_colormap.get() : colour.get();
  if (pixGetDepth(source) == 32) {
    return PixPtr(pixConvertRGBToLuminance(source));
  }
  return PixPtr(pixConvertTo8(source, 0));
}

// JPEG at the smallest DCT scale that still leaves twice the useful width (nearly free in
// libjpeg); large ones as their luminance channel only, without decoding any chroma.
PixPtr decode_jpeg(std::span<const std::uint8_t> bytes, const media::ImageSize& size, int useful_width) {
  l_int32 reduction = 1;
  while (reduction < 8 && size.width / reduction > 2 * useful_width) {
    reduction *= 2;
  }
  const std::int64_t pixels = std::int64_t{size.width / reduction} * (size.height / reduction);
  if (pixels > kColourDecodePixels) {
    return PixPtr(pixReadMemJpeg(bytes.data(), bytes.size(), 0, reduction, nullptr, L_JPEG_READ_LUMINANCE));
  }
  return gray_of(PixPtr(pixReadMemJpeg(bytes.data(), bytes.size(), 0, reduction, nullptr, 0)));
}

// A large PNG through libpng's simplified API, which converts any PNG (palette, 16-bit,
// alpha, interlaced) to 8-bit grey row by row into the one buffer: Leptonica's PNG reader
// holds every decoded row and a 32-bit image at once (349 MB at 50 MP).
PixPtr decode_large_png(std::span<const std::uint8_t> bytes) {
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

// A large WebP through libwebp, scaled while decoding to at most twice the useful width
// (libwebp's rescaler) into a 32-bit image that is then turned grey with Leptonica's
// weights: Leptonica's WebP reader would decode all 50 MP (200 MB) first.
PixPtr decode_large_webp(std::span<const std::uint8_t> bytes, const media::ImageSize& size, int useful_width) {
  WebPDecoderConfig config;
  if (WebPInitDecoderConfig(&config) == 0) {
    return nullptr;
  }
  int width = size.width;
  int height = size.height;
  if (width > 2 * useful_width) {
    height = static_cast<int>(std::int64_t{height} * 2 * useful_width / width);
    width = 2 * useful_width;
    config.options.use_scaling = 1;
    config.options.scaled_width = width;
    config.options.scaled_height = height;
  }
  PixPtr colour(pixCreate(width, height, 32));
  if (!colour) {
    return nullptr;
  }
  config.output.colorspace = MODE_RGBA;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = reinterpret_cast<std::uint8_t*>(pixGetData(colour.get()));
  config.output.u.RGBA.stride = pixGetWpl(colour.get()) * 4;
  config.output.u.RGBA.size = static_cast<std::size_t>(config.output.u.RGBA.stride) * height;
  const VP8StatusCode status = WebPDecode(bytes.data(), bytes.size(), &config);
  WebPFreeDecBuffer(&config.output);  // external memory: frees nothing of ours
  if (status != VP8_STATUS_OK) {
    return nullptr;
  }
  pixEndianByteSwap(colour.get());  // libwebp wrote R, G, B, A bytes; Leptonica reads words
  return gray_of(std::move(colour));
}

}  // namespace

PixPtr decode_gray(std::span<const std::uint8_t> encoded_image, int useful_width) {
  const std::string_view bytes(reinterpret_cast<const char*>(encoded_image.data()), encoded_image.size());
  const auto type = media::sniff_mimetype(bytes);
  const auto size = media::declared_size(bytes);
  if (!size) {
    return nullptr;
  }
  const bool large = std::int64_t{size->width} * size->height > kColourDecodePixels;
  if (type == media::kJpeg) {
    return decode_jpeg(encoded_image, *size, useful_width);
  }
  if (type == media::kPng) {
    return large ? decode_large_png(encoded_image)
                 : gray_of(PixPtr(pixReadMemPng(encoded_image.data(), encoded_image.size())));
  }
  if (type == media::kWebp) {
    return large ? decode_large_webp(encoded_image, *size, useful_width)
                 : gray_of(PixPtr(pixReadMemWebP(encoded_image.data(), encoded_image.size())));
  }
  return nullptr;
}

}  // namespace inereg::vision
