#include <gtest/gtest.h>
#include <leptonica/allheaders.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "vision/mrz_reader.hpp"

// vision::MrzReader over the committed synthetic card photos (tests/data/cards, made by
// tools/cardgen/cardgen.py --count 12 --seed 2026 --formats jpg,jpg,webp). The
// accuracy figures are measured in bench/mrz_accuracy.sh; this test holds the one rule
// that must never break: a reading is exact or "unreadable", never wrong.
namespace inereg::vision {
namespace {

const std::filesystem::path kCards = std::filesystem::path(INEREG_SOURCE_DIR) / "tests/data/cards";

struct Card {
  std::string file;
  bool clean = false;
  std::string truth;
};

std::vector<Card> manifest(const std::filesystem::path& directory = kCards) {
  std::vector<Card> cards;
  std::ifstream in(directory / "manifest.tsv");
  for (std::string row; std::getline(in, row);) {
    if (row.empty() || row[0] == '#') {
      continue;
    }
    std::vector<std::string> cells;
    std::stringstream split(row);
    for (std::string cell; std::getline(split, cell, '\t');) {
      cells.push_back(cell);
    }
    if (cells.size() >= 5) {
      cards.push_back({cells[0], cells[1] == "1", cells[2] + "\n" + cells[3] + "\n" + cells[4]});
    }
  }
  return cards;
}

std::vector<std::uint8_t> bytes_of(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string text_of(const ine::Mrz& mrz) {
  return mrz.line1 + "\n" + mrz.line2 + "\n" + mrz.line3;
}

// Reading is deterministic (same image, same Tesseract model, same answer), so every
// committed card is expected exactly; the share over hundreds of generated photos is
// measured in bench/mrz_accuracy.sh.
TEST(MrzReader, EveryCommittedCardIsReadExactly) {
  const auto cards = manifest();
  ASSERT_EQ(cards.size(), 12u);
  const MrzReader reader;
  for (const auto& card : cards) {
    const auto reading = reader.read(bytes_of(kCards / card.file));
    ASSERT_TRUE(reading.mrz) << card.file << ": " << reading.unreadable_reason;
    EXPECT_EQ(text_of(*reading.mrz), card.truth) << card.file << " was read wrongly";
    EXPECT_TRUE(reading.unreadable_reason.empty());
    EXPECT_FALSE(reading.failure);
  }
}

// Cards printed with one CIC digit changed (cardgen.py --misprint): the characters are
// perfectly legible, but the check digits do not hold, so there is no reading to accept.
TEST(MrzReader, ACardWhoseCheckDigitsDoNotHoldIsRejectedNotRepaired) {
  const auto directory = kCards / "misprinted";
  const auto cards = manifest(directory);
  ASSERT_EQ(cards.size(), 3u);
  const MrzReader reader;
  for (const auto& card : cards) {
    const auto reading = reader.read(bytes_of(directory / card.file));
    EXPECT_FALSE(reading.mrz) << card.file << " was accepted";
    EXPECT_EQ(reading.failure, ReadFailure::kCheckDigitsFail) << reading.unreadable_reason;
    EXPECT_NE(reading.unreadable_reason.find("check"), std::string::npos) << reading.unreadable_reason;
    EXPECT_EQ(reading.unreadable_reason.find(card.truth.substr(5, 9)), std::string::npos)
        << "the reason must not carry the CIC";
  }
}

std::vector<std::uint8_t> png_of(PIX* pix) {
  l_uint8* png = nullptr;
  size_t png_size = 0;
  if (pixWriteMem(&png, &png_size, pix, IFF_PNG) != 0) {
    return {};
  }
  std::vector<std::uint8_t> bytes(png, png + png_size);
  lept_free(png);
  return bytes;
}

TEST(MrzReader, AnUpsideDownPhotoIsUnreadableNotMisread) {
  const auto card = manifest().front();
  const auto original = bytes_of(kCards / card.file);
  PIX* pix = pixReadMem(original.data(), original.size());
  ASSERT_NE(pix, nullptr);
  PIX* flipped = pixRotate180(nullptr, pix);
  pixDestroy(&pix);
  const auto reading = MrzReader{}.read(png_of(flipped));
  pixDestroy(&flipped);
  EXPECT_FALSE(reading.mrz);
  EXPECT_TRUE(reading.failure);
  EXPECT_FALSE(reading.unreadable_reason.empty());
}

// Half the resolution (characters about 7-13 pixels tall): either exact or rejected.
TEST(MrzReader, ASmallPhotoIsReadExactlyOrRejectedNeverWrong) {
  const MrzReader reader;
  int exact = 0;
  for (const auto& card : manifest()) {
    const auto original = bytes_of(kCards / card.file);
    PIX* pix = pixReadMem(original.data(), original.size());
    ASSERT_NE(pix, nullptr);
    PIX* half = pixScale(pix, 0.5f, 0.5f);
    pixDestroy(&pix);
    const auto reading = reader.read(png_of(half));
    pixDestroy(&half);
    if (reading.mrz) {
      EXPECT_EQ(text_of(*reading.mrz), card.truth) << card.file << " was read wrongly at half size";
      ++exact;
    } else {
      EXPECT_FALSE(reading.unreadable_reason.empty());
      EXPECT_TRUE(reading.failure);
    }
  }
  RecordProperty("exact_at_half_size", exact);
}

TEST(MrzReader, PngAndJpegOfTheSamePhotoGiveTheSameAnswer) {
  const auto cards = manifest();
  ASSERT_FALSE(cards.empty());
  const MrzReader reader;
  for (const auto& card : cards) {
    const auto jpeg = bytes_of(kCards / card.file);
    PIX* pix = pixReadMem(jpeg.data(), jpeg.size());
    ASSERT_NE(pix, nullptr) << card.file;
    l_uint8* png = nullptr;
    size_t png_size = 0;
    ASSERT_EQ(pixWriteMem(&png, &png_size, pix, IFF_PNG), 0);
    pixDestroy(&pix);
    const auto from_png = reader.read(std::span<const std::uint8_t>(png, png_size));
    lept_free(png);
    const auto from_original = reader.read(jpeg);
    ASSERT_EQ(from_png.mrz.has_value(), from_original.mrz.has_value()) << card.file;
    if (from_png.mrz) {
      EXPECT_EQ(text_of(*from_png.mrz), text_of(*from_original.mrz));
    }
    break;  // one photo is enough: decoding is what differs
  }
}

TEST(MrzReader, GarbageAndEmptyInputAreUnreadableWithAReason) {
  const MrzReader reader;
  const std::vector<std::uint8_t> empty;
  EXPECT_EQ(reader.read(empty).unreadable_reason, "empty image");
  EXPECT_EQ(reader.read(empty).failure, ReadFailure::kNotAnImage);
  const std::vector<std::uint8_t> garbage = {0xFF, 0xD8, 0xFF, 0x00, 0x13, 0x37, 'n', 'o', 't', 'j', 'p', 'g'};
  const auto reading = reader.read(garbage);
  EXPECT_FALSE(reading.mrz);
  EXPECT_EQ(reading.unreadable_reason, "not a decodable JPEG, PNG or WebP image");
  EXPECT_EQ(reading.failure, ReadFailure::kNotAnImage);
}

TEST(MrzReader, APhotoWithoutAnMrzIsUnreadable) {
  // A plain grey PNG: decodes, but holds no text lines.
  PIX* pix = pixCreate(640, 480, 8);
  pixSetAllArbitrary(pix, 180);
  l_uint8* png = nullptr;
  size_t png_size = 0;
  ASSERT_EQ(pixWriteMem(&png, &png_size, pix, IFF_PNG), 0);
  pixDestroy(&pix);
  const auto reading = MrzReader{}.read(std::span<const std::uint8_t>(png, png_size));
  lept_free(png);
  EXPECT_FALSE(reading.mrz);
  EXPECT_NE(reading.unreadable_reason.find("no MRZ found"), std::string::npos) << reading.unreadable_reason;
  EXPECT_EQ(reading.failure, ReadFailure::kMrzNotFound);
}

TEST(ReadFailure, NamesAreStable) {
  // Pages, logs and metrics key on these names; changing one is an interface change.
  EXPECT_EQ(read_failure_name(ReadFailure::kNotAnImage), "not_an_image");
  EXPECT_EQ(read_failure_name(ReadFailure::kMrzNotFound), "mrz_not_found");
  EXPECT_EQ(read_failure_name(ReadFailure::kTooSmall), "too_small");
  EXPECT_EQ(read_failure_name(ReadFailure::kCutOff), "cut_off");
  EXPECT_EQ(read_failure_name(ReadFailure::kTooBlurred), "too_blurred");
  EXPECT_EQ(read_failure_name(ReadFailure::kGlare), "glare");
  EXPECT_EQ(read_failure_name(ReadFailure::kUnclearCharacters), "unclear_characters");
  EXPECT_EQ(read_failure_name(ReadFailure::kCheckDigitsFail), "check_digits_fail");
  EXPECT_EQ(read_failure_name(ReadFailure::kReaderUnavailable), "reader_unavailable");
}

}  // namespace
}  // namespace inereg::vision
