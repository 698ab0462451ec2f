#include <gtest/gtest.h>

#include <string>

#include "ine/check_digits.hpp"

// The worked MRZ example of ine-domain.md §4.4 and the CURP examples of §3.5.
namespace inereg::ine {
namespace {

constexpr std::string_view kLine1 = "IDMEX1870064127<<0427118903355";
constexpr std::string_view kLine2 = "8504124H3312315MEX<<<<<<<<<<<2";
constexpr std::string_view kLine2WithOptionalData = "8504124H3312315MEX<01<<12345<6";

// TD1 composite input: L1[5..29] + L2[0..6] + L2[8..14] + L2[18..28] (inclusive).
std::string composite_input(std::string_view line1, std::string_view line2) {
  return std::string(line1.substr(5, 25)) + std::string(line2.substr(0, 7)) + std::string(line2.substr(8, 7)) +
         std::string(line2.substr(18, 11));
}

TEST(IcaoCheckDigit, CicOfTheWorkedExample) {
  EXPECT_EQ(icao_check_digit("187006412"), 7);
  EXPECT_EQ(kLine1[14], '7');
}

TEST(IcaoCheckDigit, BirthAndExpiryDatesOfTheWorkedExample) {
  EXPECT_EQ(icao_check_digit("850412"), 4);
  EXPECT_EQ(icao_check_digit("331231"), 5);
}

TEST(IcaoCheckDigit, CompositeWithEmptyOptionalData) {
  const std::string input = composite_input(kLine1, kLine2);
  EXPECT_EQ(input,
            "1870064127<<0427118903355"
            "8504124"
            "3312315"
            "<<<<<<<<<<<");
  EXPECT_EQ(icao_check_digit(input), 2);
}

TEST(IcaoCheckDigit, CompositeWithOptionalData) {
  EXPECT_EQ(icao_check_digit(composite_input(kLine1, kLine2WithOptionalData)), 6);
}

TEST(IcaoCheckDigit, FillerCountsAsZero) {
  EXPECT_EQ(icao_check_digit("<<<"), 0);
  EXPECT_EQ(icao_check_digit("1<2"), icao_check_digit("102"));
  EXPECT_EQ(icao_check_digit(""), 0);
}

TEST(IcaoCheckDigit, LettersCountFromTen) {
  // A = 10 -> 70, B = 11 -> 33, C = 12 -> 12; 115 mod 10 = 5.
  EXPECT_EQ(icao_check_digit("ABC"), 5);
}

TEST(IcaoCheckDigit, RejectsCharactersOutsideTheMrzAlphabet) {
  EXPECT_EQ(icao_check_digit("18700641a"), std::nullopt);
  EXPECT_EQ(icao_check_digit("187 06412"), std::nullopt);
  EXPECT_EQ(icao_check_digit("18700641-"), std::nullopt);
  EXPECT_EQ(icao_check_digit("\xC3\x91"), std::nullopt);  // Ñ
}

TEST(CurpCheckDigit, WorkedExampleComputesSix) {
  EXPECT_EQ(curp_check_digit("PEGJ850412HDFRRN0"), 6);
}

TEST(CurpCheckDigit, VeriffTestCaseMxTc01ComputesSixNotTheNinePrinted) {
  // HECA900101HDFRRL09 is CURP-shaped, but its check digit is wrong (veriff-api.md).
  EXPECT_EQ(curp_check_digit("HECA900101HDFRRL0"), 6);
}

TEST(CurpCheckDigit, LettersAfterNSkipTheEnyeValue) {
  // Differ only in the last character: O is worth 25 (N is 23), so the sums differ by 2 * 2.
  const auto with_n = curp_check_digit("PEGJ850412HDFRRNN");
  const auto with_o = curp_check_digit("PEGJ850412HDFRRNO");
  ASSERT_TRUE(with_n && with_o);
  EXPECT_EQ((*with_n - *with_o + 10) % 10, 4);
}

TEST(CurpCheckDigit, RejectsWrongLengthAndLowerCase) {
  EXPECT_EQ(curp_check_digit("PEGJ850412HDFRRN"), std::nullopt);
  EXPECT_EQ(curp_check_digit("PEGJ850412HDFRRN06"), std::nullopt);
  EXPECT_EQ(curp_check_digit("pegj850412hdfrrn0"), std::nullopt);
  EXPECT_EQ(curp_check_digit("PEGJ850412HDFRR<0"), std::nullopt);
}

}  // namespace
}  // namespace inereg::ine
