#include "ine/mrz_repair.hpp"

#include <array>
#include <string>
#include <vector>

namespace inereg::ine {
namespace {

// The digits a letter in a digit slot may stand for, by OCR look-alike (OCR-B glyphs).
std::string_view digit_lookalikes(char c) {
  switch (c) {
    case 'O':
    case 'Q':
    case 'D':
    case 'U':
      return "0";
    case 'I':
    case 'L':
    case 'J':
      return "1";
    case 'Z':
      return "27";
    case 'A':
      return "4";
    case 'S':
      return "5";
    case 'G':
      return "6";
    case 'T':
      return "7";
    case 'B':
      return "8";
    default:
      return "";
  }
}

// A fixed part of the layout: 0-based line, start, the text it must hold.
struct LayoutConstant {
  int line;
  int start;
  std::string_view text;
};

constexpr std::array<LayoutConstant, 3> kConstants = {{
    {0, 0, "IDMEX"},
    {0, 15, "<<"},
    {1, 15, "MEX"},
}};

// One uncertain position and the characters it may hold.
struct Uncertain {
  int line;
  int index;
  std::string_view candidates;
};

// Upper bound on the combinations tried; beyond it the reading is too uncertain to trust.
constexpr std::size_t kMaxCombinations = 64;

MrzParse ambiguous(std::string message) {
  return MrzParse{std::nullopt, MrzError{MrzErrorKind::kAmbiguousRepair, 0, 0, std::move(message)}};
}

}  // namespace

MrzParse parse_mrz_reading(std::string_view ocr_text) {
  const auto split = split_mrz_lines(ocr_text);
  if (split.size() != kMrzLineCount) {
    return parse_mrz(ocr_text);
  }
  std::array<std::string, kMrzLineCount> lines;
  for (std::size_t l = 0; l < kMrzLineCount; ++l) {
    if (split[l].size() != kMrzLineLength) {
      return parse_mrz(ocr_text);
    }
    lines[l] = std::string(split[l]);
  }

  for (const auto& constant : kConstants) {
    std::string& line = lines[constant.line];
    int differing = 0;
    for (std::size_t i = 0; i < constant.text.size(); ++i) {
      differing += line[constant.start + i] != constant.text[i] ? 1 : 0;
    }
    if (differing == 1) {
      line.replace(constant.start, constant.text.size(), constant.text);
    }
  }

  std::vector<Uncertain> uncertain;
  for (const auto& slot : mrz_digit_slots()) {
    for (int i = slot.start; i < slot.start + slot.length; ++i) {
      const char c = lines[slot.line][i];
      if (c >= '0' && c <= '9') {
        continue;
      }
      const auto candidates = digit_lookalikes(c);
      if (candidates.empty()) {
        return parse_mrz(ocr_text);  // not a known confusion: report the text as read
      }
      uncertain.push_back({slot.line, i, candidates});
    }
  }

  std::size_t combinations = 1;
  for (const auto& u : uncertain) {
    combinations *= u.candidates.size();
    if (combinations > kMaxCombinations) {
      return ambiguous("the MRZ reading has too many uncertain characters to repair");
    }
  }

  std::optional<MrzParse> accepted;
  std::optional<MrzParse> first_failure;
  for (std::size_t combination = 0; combination < combinations; ++combination) {
    std::size_t rest = combination;
    for (const auto& u : uncertain) {
      lines[u.line][u.index] = u.candidates[rest % u.candidates.size()];
      rest /= u.candidates.size();
    }
    auto parse = parse_mrz(lines[0] + "\n" + lines[1] + "\n" + lines[2]);
    if (!parse.ok()) {
      if (!first_failure) {
        first_failure = std::move(parse);
      }
      continue;
    }
    if (accepted) {
      return ambiguous("more than one repair of the MRZ reading satisfies every check digit");
    }
    accepted = std::move(parse);
  }
  return accepted ? std::move(*accepted) : std::move(*first_failure);
}

}  // namespace inereg::ine
