#include "media/image_content.hpp"

#include <leptonica/allheaders.h>
#include <openssl/evp.h>

#include <array>
#include <memory>
#include <new>
#include <stdexcept>

#include "util/hex.hpp"

namespace inereg::media {
namespace {

// Veriff's context types for session media (veriff-api.md §4.8).
constexpr std::array<std::string_view, 16> kContexts = {
    "document-front",
    "document-front-pre",
    "document-back",
    "document-back-pre",
    "document-and-face",
    "document-and-face-pre",
    "document-front-with-signature",
    "document-front-with-signature-pre",
    "document-front-face-cropped",
    "face",
    "face-pre",
    "face-nfc",
    "face-reference",
    "face-cropped",
    "address-front",
    "registry-face",
};

// ISO BMFF major brands of HEIF files whose images are HEVC-coded (served as
// image/heic) and of the generic HEIF image/sequence brands (image/heif).
constexpr std::array<std::string_view, 8> kHeicBrands = {"heic", "heix", "heim", "heis",
                                                         "hevc", "hevx", "hevm", "hevs"};
constexpr std::array<std::string_view, 3> kHeifBrands = {"mif1", "msf1", "heif"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view value) {
  for (const auto item : list) {
    if (item == value) {
      return true;
    }
  }
  return false;
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = lower(c);
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

bool is_base64_whitespace(char c) {
  // What OpenSSL's decoder skips: MIME encoders break lines every 76 characters.
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_base64_symbol(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// The type a data URI declares, in the form sniff_mimetype answers; "" when it names
// no type.
std::string canonical_declared(std::string_view declared) {
  if (declared == "image/jpg" || declared == "image/pjpeg") {
    return std::string(kJpeg);
  }
  return std::string(declared);
}

bool heif_family(std::string_view mimetype) {
  return mimetype == kHeic || mimetype == kHeif || mimetype == "image/heic-sequence" ||
         mimetype == "image/heif-sequence";
}

bool declared_agrees(std::string_view declared, std::string_view sniffed) {
  if (declared.empty()) {
    return true;
  }
  const std::string canonical = canonical_declared(declared);
  return canonical == sniffed || (heif_family(canonical) && heif_family(sniffed));
}

}  // namespace

std::string_view served_mimetype(std::string_view stored) {
  for (const std::string_view known : {kJpeg, kPng, kWebp, kHeic, kHeif, kPdf}) {
    if (stored == known) {
      return known;
    }
  }
  return "application/octet-stream";
}

std::optional<std::string_view> sniff_mimetype(std::string_view bytes) {
  if (bytes.starts_with("\xFF\xD8\xFF")) {
    return kJpeg;
  }
  if (bytes.starts_with("\x89PNG\r\n\x1A\n")) {
    return kPng;
  }
  if (bytes.size() >= 16 && bytes.starts_with("RIFF") && bytes.substr(8, 4) == "WEBP") {
    return kWebp;
  }
  if (bytes.size() >= 12 && bytes.substr(4, 4) == "ftyp") {
    const std::string_view brand = bytes.substr(8, 4);
    if (contains(kHeicBrands, brand)) {
      return kHeic;
    }
    if (contains(kHeifBrands, brand)) {
      return kHeif;
    }
    return std::nullopt;  // AVIF, MP4, ...
  }
  if (bytes.starts_with("%PDF-")) {
    return kPdf;
  }
  return std::nullopt;
}

bool is_known_context(std::string_view context) {
  return contains(kContexts, context);
}

std::span<const std::string_view> known_contexts() {
  return kContexts;
}

std::optional<std::string> decode_base64(std::string_view text) {
  // OpenSSL's decoder stops quietly at '-' (its end-of-data marker) and would turn
  // URL-safe or truncated input into a shorter file: check the alphabet and the
  // padding first, so that only well-formed base64 reaches it.
  std::size_t symbols = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    if (is_base64_whitespace(c)) {
      continue;
    }
    if (c == '=') {
      ++padding;
    } else if (padding > 0 || !is_base64_symbol(c)) {
      return std::nullopt;
    }
    ++symbols;
  }
  if (symbols == 0 || symbols % 4 != 0 || padding > 2) {
    return std::nullopt;
  }
  std::unique_ptr<EVP_ENCODE_CTX, decltype(&EVP_ENCODE_CTX_free)> context(EVP_ENCODE_CTX_new(), &EVP_ENCODE_CTX_free);
  if (!context) {
    throw std::bad_alloc();
  }
  EVP_DecodeInit(context.get());
  // Each call decodes whole 4-symbol groups; 64 bytes of slack cover OpenSSL's
  // internal block buffer.
  std::string bytes(symbols / 4 * 3 + 64, '\0');
  std::size_t written = 0;
  constexpr std::size_t kPiece = 1 << 20;  // EVP_DecodeUpdate takes an int length
  for (std::size_t offset = 0; offset < text.size(); offset += kPiece) {
    const std::string_view piece = text.substr(offset, kPiece);
    int out = 0;
    if (EVP_DecodeUpdate(context.get(), reinterpret_cast<unsigned char*>(bytes.data() + written), &out,
                         reinterpret_cast<const unsigned char*>(piece.data()), static_cast<int>(piece.size())) < 0) {
      return std::nullopt;
    }
    written += static_cast<std::size_t>(out);
  }
  int out = 0;
  if (EVP_DecodeFinal(context.get(), reinterpret_cast<unsigned char*>(bytes.data() + written), &out) < 0) {
    return std::nullopt;
  }
  written += static_cast<std::size_t>(out);
  bytes.resize(written);
  return bytes;
}

ContentResult decode_image_content(std::string_view content) {
  ContentResult result;
  std::string_view data = content;
  if (content.size() >= 5 && iequals(content.substr(0, 5), "data:")) {
    const std::size_t comma = content.find(',');
    if (comma == std::string_view::npos) {
      result.error = ContentError::kNotBase64;
      return result;
    }
    // data:[<type>][;<param>]*;base64,<data>
    std::string_view header = content.substr(5, comma - 5);
    const std::size_t last_semicolon = header.rfind(';');
    if (last_semicolon == std::string_view::npos || !iequals(trim(header.substr(last_semicolon + 1)), "base64")) {
      result.error = ContentError::kNotBase64;  // a URL-encoded data URI is not base64
      return result;
    }
    result.declared_mimetype = lowercase(trim(header.substr(0, header.find(';'))));
    data = content.substr(comma + 1);
  }
  bool blank = true;
  for (const char c : data) {
    blank = blank && is_base64_whitespace(c);
  }
  if (blank) {
    result.error = ContentError::kEmpty;
    return result;
  }
  auto bytes = decode_base64(data);
  if (!bytes) {
    result.error = ContentError::kNotBase64;
    return result;
  }
  const auto sniffed = sniff_mimetype(*bytes);
  if (!sniffed) {
    result.error = ContentError::kUnsupportedType;
    return result;
  }
  result.sniffed_mimetype = *sniffed;
  if (!declared_agrees(result.declared_mimetype, *sniffed)) {
    result.error = ContentError::kDeclaredTypeDiffers;
    return result;
  }
  result.image = DecodedImage{std::move(*bytes), *sniffed};
  return result;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return util::to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::optional<ImageSize> declared_size(std::string_view bytes) {
  if (bytes.empty()) {
    return std::nullopt;
  }
  // Leptonica reports unreadable headers on stderr; the return value says it all.
  static const bool quiet = [] {
    setMsgSeverity(L_SEVERITY_NONE);
    return true;
  }();
  (void)quiet;
  l_int32 width = 0, height = 0, bits = 0, bytes_per_sample = 0, samples = 0;
  // Leptonica reads the header only (JPEG's SOF, PNG's IHDR, WebP's VP8 frame header).
  if (pixReadHeaderMem(reinterpret_cast<const l_uint8*>(bytes.data()), bytes.size(), nullptr, &width, &height, &bits,
                       &bytes_per_sample, &samples) != 0 ||
      width <= 0 || height <= 0) {
    return std::nullopt;
  }
  return ImageSize{width, height};
}

bool exceeds(std::string_view bytes, const ImageLimits& limits) {
  const auto size = declared_size(bytes);
  return size && (size->width > limits.max_side || size->height > limits.max_side ||
                  std::int64_t{size->width} * size->height > limits.max_pixels);
}

}  // namespace inereg::media
