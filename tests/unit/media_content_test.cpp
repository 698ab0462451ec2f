// media/image_content: base64 and data-URI decoding, type sniffing, contexts. (The
// upload's timestamp follows util::parse_iso8601, tested in time_cors_origin_test.)
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <string>

#include "media/image_content.hpp"
#include "util/base64.hpp"

namespace inereg::media {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(INEREG_TEST_DATA_DIR) + "/media/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The encoding side from OpenSSL, independent of the decoder under test.
TEST(Base64, DecodesTheRfc4648Vectors) {
  EXPECT_EQ(decode_base64("Zg=="), "f");
  EXPECT_EQ(decode_base64("Zm8="), "fo");
  EXPECT_EQ(decode_base64("Zm9v"), "foo");
  EXPECT_EQ(decode_base64("Zm9vYmFy"), "foobar");
}

TEST(Base64, IgnoresMimeLineBreaks) {
  const std::string bytes(200, '\xAB');
  std::string wrapped = util::base64_encode(bytes);
  for (std::size_t at = 76; at < wrapped.size(); at += 78) {
    wrapped.insert(at, "\r\n");
  }
  EXPECT_EQ(decode_base64(wrapped), bytes);
}

TEST(Base64, DecodesAcrossOpenSslBlocksAndPieces) {
  std::string bytes;
  for (int i = 0; i < 3 * 1024 * 1024 + 1; ++i) {
    bytes += static_cast<char>(i * 7);
  }
  EXPECT_EQ(decode_base64(util::base64_encode(bytes)), bytes);
}

TEST(Base64, RefusesWhatIsNotStandardPaddedBase64) {
  EXPECT_FALSE(decode_base64(""));
  EXPECT_FALSE(decode_base64("   "));
  EXPECT_FALSE(decode_base64("Zg"));        // unpadded
  EXPECT_FALSE(decode_base64("Zm9vY"));     // truncated group
  EXPECT_FALSE(decode_base64("Zg==Zg=="));  // data after padding
  EXPECT_FALSE(decode_base64("Z==="));      // too much padding
  EXPECT_FALSE(decode_base64("ab-_"));      // URL-safe alphabet (OpenSSL would stop at '-')
  EXPECT_FALSE(decode_base64("Zm9v-Zm9v"));
  EXPECT_FALSE(decode_base64("Zm9v!"));
  EXPECT_FALSE(decode_base64(std::string_view("Zm\0v", 4)));
}

TEST(Sniff, RecognisesTheFixturesAndTheOtherAcceptedTypes) {
  EXPECT_EQ(sniff_mimetype(fixture("tiny.jpg")), kJpeg);
  EXPECT_EQ(sniff_mimetype(fixture("tiny.png")), kPng);
  EXPECT_EQ(sniff_mimetype(fixture("tiny.webp")), kWebp);
  EXPECT_EQ(sniff_mimetype(std::string("\0\0\0\x18"
                                       "ftypheic\0\0\0\0mif1heic",
                                       24)),
            kHeic);
  EXPECT_EQ(sniff_mimetype(std::string("\0\0\0\x18"
                                       "ftypmif1\0\0\0\0mif1heic",
                                       24)),
            kHeif);
  EXPECT_EQ(sniff_mimetype("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), kPdf);
}

TEST(Sniff, RefusesOtherFiles) {
  EXPECT_FALSE(sniff_mimetype(""));
  EXPECT_FALSE(sniff_mimetype("GIF89a\x01\x00\x01\x00"));
  EXPECT_FALSE(sniff_mimetype("BM\x3A\x00\x00\x00"));
  EXPECT_FALSE(
      sniff_mimetype(std::string("\0\0\0\x1C"
                                 "ftypavif\0\0\0\0avifmif1",
                                 24)));  // AVIF
  EXPECT_FALSE(sniff_mimetype("RIFF\x24\0\0\0WAVEfmt "));
  EXPECT_FALSE(sniff_mimetype("\x89PNG"));  // truncated signature
  EXPECT_FALSE(sniff_mimetype("<html><body>"));
}

TEST(Contexts, AcceptsVeriffsContextsOnly) {
  EXPECT_TRUE(is_known_context("document-front"));
  EXPECT_TRUE(is_known_context("document-back"));
  EXPECT_TRUE(is_known_context("face"));
  EXPECT_TRUE(is_known_context("document-back-pre"));
  EXPECT_TRUE(is_known_context("registry-face"));
  EXPECT_FALSE(is_known_context("selfie"));
  EXPECT_FALSE(is_known_context("Document-Front"));
  EXPECT_FALSE(is_known_context(""));
  EXPECT_EQ(known_contexts().size(), 16U);
}

TEST(ImageContent, BareBase64AndDataUriDecodeToTheSameFile) {
  const std::string png = fixture("tiny.png");
  for (const std::string& content : {util::base64_encode(png), "data:image/png;base64," + util::base64_encode(png),
                                     "DATA:Image/PNG;charset=binary;BASE64," + util::base64_encode(png)}) {
    const auto result = decode_image_content(content);
    ASSERT_TRUE(result.image) << content.substr(0, 40);
    EXPECT_EQ(result.image->bytes, png);
    EXPECT_EQ(result.image->mimetype, kPng);
  }
}

TEST(ImageContent, JpgIsAnAliasOfJpegAndHeifOneFamily) {
  EXPECT_TRUE(decode_image_content("data:image/jpg;base64," + util::base64_encode(fixture("tiny.jpg"))).image);
  const std::string heif(
      "\0\0\0\x18"
      "ftypmif1\0\0\0\0mif1heic",
      24);
  EXPECT_TRUE(decode_image_content("data:image/heic;base64," + util::base64_encode(heif)).image);
}

TEST(ImageContent, ADeclaredTypeThatContradictsTheBytesIsRefused) {
  const auto result = decode_image_content("data:image/jpeg;base64," + util::base64_encode(fixture("tiny.png")));
  EXPECT_FALSE(result.image);
  EXPECT_EQ(result.error, ContentError::kDeclaredTypeDiffers);
  EXPECT_EQ(result.declared_mimetype, "image/jpeg");
  EXPECT_EQ(result.sniffed_mimetype, kPng);
}

TEST(ImageContent, ClassifiesEachFailure) {
  EXPECT_EQ(decode_image_content("").error, ContentError::kEmpty);
  EXPECT_EQ(decode_image_content("data:image/png;base64,").error, ContentError::kEmpty);
  EXPECT_EQ(decode_image_content("data:image/png;base64").error, ContentError::kNotBase64);  // no comma
  EXPECT_EQ(decode_image_content("data:image/png,%89PNG").error, ContentError::kNotBase64);  // URL-encoded
  EXPECT_EQ(decode_image_content("not base64!").error, ContentError::kNotBase64);
  EXPECT_EQ(decode_image_content(util::base64_encode("GIF89a\x01\x00")).error, ContentError::kUnsupportedType);
}

TEST(Sha256, IsTheLowercaseHexDigest) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// The pixel bombs of the hardening issue: a few hundred bytes whose header declares
// 20000×20000 (JPEG) or 30000×30000 (PNG). Made from the tiny fixtures by rewriting
// the dimensions in the header (JPEG's SOF0, PNG's IHDR), as an attacker would.
std::string with_jpeg_size(std::string jpeg, int width, int height) {
  const auto sof = jpeg.find("\xFF\xC0");
  EXPECT_NE(sof, std::string::npos) << "a baseline JPEG has an SOF0 marker";
  // FF C0, length (2), precision (1), height (2), width (2).
  jpeg[sof + 5] = static_cast<char>(height >> 8);
  jpeg[sof + 6] = static_cast<char>(height & 0xFF);
  jpeg[sof + 7] = static_cast<char>(width >> 8);
  jpeg[sof + 8] = static_cast<char>(width & 0xFF);
  return jpeg;
}

std::string with_png_size(std::string png, std::uint32_t width, std::uint32_t height) {
  // Signature (8), IHDR length (4) and type (4), then width and height, big-endian.
  for (int i = 0; i < 4; ++i) {
    png[16 + i] = static_cast<char>((width >> (24 - 8 * i)) & 0xFF);
    png[20 + i] = static_cast<char>((height >> (24 - 8 * i)) & 0xFF);
  }
  return png;
}

TEST(ImageLimits, TheHeaderGivesTheSizeWithoutDecoding) {
  const auto jpeg = declared_size(fixture("tiny.jpg"));
  ASSERT_TRUE(jpeg);
  EXPECT_GT(jpeg->width, 0);
  const auto bomb = declared_size(with_jpeg_size(fixture("tiny.jpg"), 20000, 20000));
  ASSERT_TRUE(bomb);
  EXPECT_EQ(bomb->width, 20000);
  EXPECT_EQ(bomb->height, 20000);
  EXPECT_FALSE(declared_size("%PDF-1.7 not an image"));
  EXPECT_FALSE(declared_size(""));
}

TEST(ImageLimits, BombsExceedTheDefaultsAndPhonePhotosDoNot) {
  const ImageLimits defaults;
  EXPECT_TRUE(exceeds(with_jpeg_size(fixture("tiny.jpg"), 20000, 20000), defaults));
  EXPECT_TRUE(exceeds(with_png_size(fixture("tiny.png"), 30000, 30000), defaults));
  EXPECT_TRUE(exceeds(with_jpeg_size(fixture("tiny.jpg"), 12001, 100), defaults)) << "a side too long";
  EXPECT_FALSE(exceeds(with_jpeg_size(fixture("tiny.jpg"), 8000, 6000), defaults)) << "48 MP";
  EXPECT_FALSE(exceeds(with_jpeg_size(fixture("tiny.jpg"), 4032, 3024), defaults)) << "12 MP";
  EXPECT_FALSE(exceeds(fixture("tiny.webp"), defaults));
  EXPECT_FALSE(exceeds("%PDF-1.7", defaults)) << "nothing decodes a PDF";
  const ImageLimits small{.max_pixels = 1'000'000, .max_side = 12'000};
  EXPECT_TRUE(exceeds(with_jpeg_size(fixture("tiny.jpg"), 1001, 1000), small));
}

TEST(ServedMimetype, IsTheConstantAStoredTypeNamesAndOctetStreamForAnyOther) {
  for (const std::string_view known : {kJpeg, kPng, kWebp, kHeic, kHeif, kPdf}) {
    const std::string stored(known);  // as read back from the store: storage of its own
    const std::string_view served = served_mimetype(stored);
    EXPECT_EQ(served, known);
    // Not a view of the stored string: a response outlives the record it was read from.
    const auto* begin = stored.data();
    const std::less<const char*> before;
    EXPECT_TRUE(before(served.data(), begin) || !before(served.data(), begin + stored.size())) << known;
  }
  EXPECT_EQ(served_mimetype("image/gif"), "application/octet-stream");
  EXPECT_EQ(served_mimetype("IMAGE/PNG"), "application/octet-stream");
  EXPECT_EQ(served_mimetype(""), "application/octet-stream");
}

}  // namespace
}  // namespace inereg::media
