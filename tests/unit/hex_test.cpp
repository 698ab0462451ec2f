// util::to_hex and util::from_hex: sealed columns and keys travel as hex text.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "util/hex.hpp"

namespace inereg::util {
namespace {

TEST(Hex, EveryByteRoundTripsInLowercase) {
  std::string bytes;
  for (int b = 0; b < 256; ++b) {
    bytes.push_back(static_cast<char>(b));
  }
  const std::string hex = to_hex(bytes);
  ASSERT_EQ(hex.size(), 512U);
  EXPECT_EQ(hex.substr(0, 8), "00010203");
  EXPECT_EQ(hex.substr(504), "fcfdfeff");
  EXPECT_EQ(from_hex(hex), bytes);
}

TEST(Hex, EitherCaseDecodes) {
  EXPECT_EQ(from_hex("00FFaB9c"), std::string("\x00\xff\xab\x9c", 4));
  EXPECT_EQ(from_hex(""), std::string());
}

TEST(Hex, AnythingElseIsRefused) {
  EXPECT_FALSE(from_hex("abc")) << "odd length";
  // The characters either side of each range of digits, and bytes outside ASCII.
  for (const char c : std::string("/:@G`g \xff\x80") + std::string(1, '\0')) {
    EXPECT_FALSE(from_hex(std::string("0") + c)) << static_cast<int>(static_cast<unsigned char>(c));
    EXPECT_FALSE(from_hex(std::string(1, c) + "0")) << static_cast<int>(static_cast<unsigned char>(c));
  }
}

TEST(Hex, DecodesIntoABufferOfExactlyHalfTheLength) {
  std::array<unsigned char, 4> out{};
  ASSERT_TRUE(from_hex_into("00FFaB9c", out));
  EXPECT_EQ(out, (std::array<unsigned char, 4>{0x00, 0xff, 0xab, 0x9c}));
  EXPECT_FALSE(from_hex_into("00FFaB", out)) << "too short for the buffer";
  EXPECT_FALSE(from_hex_into("00FFaB9c00", out)) << "too long for the buffer";
  EXPECT_FALSE(from_hex_into("00FFaB9", out)) << "odd length";
  EXPECT_FALSE(from_hex_into("00FFaB9g", out)) << "not a digit";
}

}  // namespace
}  // namespace inereg::util
