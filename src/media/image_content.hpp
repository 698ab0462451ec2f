#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

// The `image` of POST /v1/sessions/{id}/media (veriff-api.md §4.7) as plain functions:
// base64 content with or without a data-URI prefix, the file type sniffed from its
// magic bytes, the documented context names. No I/O, no HTTP; thread-safe.
namespace inereg::media {

// The file types Veriff accepts for upload (jpg/jpeg/png/heif/heic/webp/pdf), as the
// mimetype stored and served back on GET /v1/media/{id}.
inline constexpr std::string_view kJpeg = "image/jpeg";
inline constexpr std::string_view kPng = "image/png";
inline constexpr std::string_view kWebp = "image/webp";
inline constexpr std::string_view kHeic = "image/heic";
inline constexpr std::string_view kHeif = "image/heif";
inline constexpr std::string_view kPdf = "application/pdf";

// The constant among those above that a stored media's `mimetype` names, for its
// Content-Type on GET /v1/media/{id}; application/octet-stream for any other text
// (none is stored: uploads are sniffed to one of them).
std::string_view served_mimetype(std::string_view stored);

// The type of `bytes` from its leading magic bytes; nullopt for anything else (GIF,
// BMP, AVIF, text, truncated files...). HEIF containers answer heic when the major
// brand is an HEVC one, heif otherwise.
std::optional<std::string_view> sniff_mimetype(std::string_view bytes);

// True for the contexts Veriff documents for session media (veriff-api.md §4.8):
// document-front, document-back, face, their -pre variants and the others listed.
bool is_known_context(std::string_view context);
std::span<const std::string_view> known_contexts();

// Why `image.content` was refused.
enum class ContentError {
  kEmpty,                // no data at all (1400)
  kNotBase64,            // not standard base64 (1401), or a data URI without ;base64
  kUnsupportedType,      // decoded, but no accepted file type
  kDeclaredTypeDiffers,  // the data URI names a type the bytes are not
};

struct DecodedImage {
  std::string bytes;
  std::string_view mimetype;  // one of the constants above
};

struct ContentResult {
  std::optional<DecodedImage> image;
  std::optional<ContentError> error;
  std::string declared_mimetype;      // the data URI's type, lower-cased; empty for bare base64
  std::string_view sniffed_mimetype;  // the bytes' type, once decoded and recognised
};

// Decodes `content`: bare base64 (what Veriff's headless demo sends) or
// `data:<type>[;params];base64,<data>` (the documented sample). Whitespace (MIME line
// breaks) is ignored; padding is required, as standard base64 has it. A data URI's
// type must agree with the sniffed one (image/jpg counts as image/jpeg, heic and heif
// as one family).
ContentResult decode_image_content(std::string_view content);

// Standard base64 (RFC 4648 §4, padded; ASCII whitespace ignored) decoded with
// OpenSSL; nullopt for any other character, misplaced padding or a truncated group.
std::optional<std::string> decode_base64(std::string_view text);

// How large an image inereg accepts and will ever decode (`media.max_image_pixels`,
// `media.max_image_side`). A few hundred bytes of JPEG or PNG can declare 30000×30000
// pixels: gigabytes once decoded. The defaults fit phone photos (a 48 MP sensor's
// full-resolution 8000×6000).
struct ImageLimits {
  std::int64_t max_pixels = 50'000'000;
  int max_side = 12'000;
};

struct ImageSize {
  int width = 0;
  int height = 0;
};

// The dimensions an image's header declares (JPEG, PNG, WebP, TIFF, ...), read without
// decoding it; nullopt when no such header is there (PDF, HEIF, garbage).
std::optional<ImageSize> declared_size(std::string_view bytes);

// True when `bytes` declare more pixels, or a longer side, than `limits` allow. An
// image without a readable header is not over the limits (nothing would decode it).
bool exceeds(std::string_view bytes, const ImageLimits& limits);

// Lowercase hex SHA-256 of a stored file: its fingerprint in the media table.
std::string sha256_hex(std::string_view bytes);

}  // namespace inereg::media
