#include "vision/mrz_reader.hpp"

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "ine/mrz_repair.hpp"

namespace inereg::vision {
namespace {

// --- Leptonica ownership ------------------------------------------------------

struct PixDeleter {
  void operator()(PIX* pix) const { pixDestroy(&pix); }
};
struct BoxaDeleter {
  void operator()(BOXA* boxa) const { boxaDestroy(&boxa); }
};
using PixPtr = std::unique_ptr<PIX, PixDeleter>;
using BoxaPtr = std::unique_ptr<BOXA, BoxaDeleter>;

// --- Tesseract, one engine per thread ------------------------------------------

struct Symbol {
  char c = 0;
  int left = 0, top = 0, right = 0, bottom = 0;
};

// Why thread_local: TessBaseAPI is not thread-safe, and Init (loading the LSTM model)
// costs tens of milliseconds, so each thread initializes one engine once and reuses it.
class OcrEngine {
 public:
  OcrEngine() {
    // Leptonica reports recoverable problems on stderr; every failure here is handled
    // by its return value.
    setMsgSeverity(L_SEVERITY_NONE);
    // Dictionaries would "correct" MRZ strings towards English words; the whitelist and
    // the check digits are the only language model an MRZ needs.
    std::vector<std::string> names = {"load_system_dawg", "load_freq_dawg"};
    std::vector<std::string> values = {"0", "0"};
    // nullptr datapath: Tesseract's compiled-in default, or TESSDATA_PREFIX when set.
    ready_ = api_.Init(nullptr, "eng", tesseract::OEM_LSTM_ONLY, nullptr, 0, &names, &values, false) == 0;
  }
  ~OcrEngine() { api_.End(); }

  bool ready() const { return ready_; }

  // The recognized characters of one text line and their boxes, in image coordinates.
  std::vector<Symbol> read_line(PIX* image, const char* whitelist) {
    api_.SetPageSegMode(tesseract::PSM_SINGLE_LINE);
    api_.SetVariable("tessedit_char_whitelist", whitelist);
    api_.SetImage(image);
    api_.SetSourceResolution(300);
    std::vector<Symbol> symbols;
    if (api_.Recognize(nullptr) == 0) {
      std::unique_ptr<tesseract::ResultIterator> it(api_.GetIterator());
      if (it) {
        do {
          std::unique_ptr<char[]> text(it->GetUTF8Text(tesseract::RIL_SYMBOL));
          Symbol symbol;
          if (text && text[0] != '\0' && text[1] == '\0' &&
              it->BoundingBox(tesseract::RIL_SYMBOL, &symbol.left, &symbol.top, &symbol.right, &symbol.bottom)) {
            symbol.c = text[0];
            symbols.push_back(symbol);
          }
        } while (it->Next(tesseract::RIL_SYMBOL));
      }
    }
    api_.Clear();
    return symbols;
  }

 private:
  tesseract::TessBaseAPI api_;
  bool ready_ = false;
};

OcrEngine& thread_engine() {
  thread_local OcrEngine engine;
  return engine;
}

// --- Finding the MRZ -------------------------------------------------------------

struct Box {
  int x, y, w, h;
};

// Detection runs on a copy about this wide: large enough for 30 characters to stay
// apart, small enough that morphology and skew search are cheap.
constexpr int kDetectionWidth = 1000;

PixPtr to_gray(PIX* pix) {
  PixPtr no_colormap(pixRemoveColormap(pix, REMOVE_CMAP_BASED_ON_SRC));
  PIX* source = no_colormap ? no_colormap.get() : pix;
  if (pixGetDepth(source) == 32) {
    return PixPtr(pixConvertRGBToLuminance(source));
  }
  return PixPtr(pixConvertTo8(source, 0));
}

// The bands of text lines: dark strokes (black top-hat) thresholded, then closed
// horizontally so the characters of a line merge into one component.
std::vector<Box> text_line_bands(PIX* gray) {
  const int width = pixGetWidth(gray);
  PixPtr tophat(pixTophat(gray, 17, 17, L_TOPHAT_BLACK));
  if (!tophat) {
    return {};
  }
  // Top-hat values are stroke contrast; a threshold relative to the strong strokes keeps
  // text under uneven light while dropping paper texture and faint guilloche lines.
  l_uint32 strong = 0;
  pixGetRankValue(tophat.get(), 2, 0.99f, &strong);
  const int threshold = std::max(25, static_cast<int>(strong) * 2 / 5);
  PixPtr below(pixThresholdToBinary(tophat.get(), threshold));
  if (!below) {
    return {};
  }
  PixPtr strokes(pixInvert(nullptr, below.get()));
  const int close_width = std::max(9, width / 45);
  PixPtr closed(pixCloseBrick(nullptr, strokes.get(), close_width, 1));
  PixPtr opened(pixOpenBrick(nullptr, closed.get(), std::max(3, width / 100), 3));
  if (!opened) {
    return {};
  }
  BoxaPtr boxa(pixConnComp(opened.get(), nullptr, 8));
  std::vector<Box> bands;
  const int count = boxa ? boxaGetCount(boxa.get()) : 0;
  for (int i = 0; i < count; ++i) {
    Box b{};
    boxaGetBoxGeometry(boxa.get(), i, &b.x, &b.y, &b.w, &b.h);
    if (b.h >= 5 && b.h <= 80 && b.w >= 8 * b.h && b.w >= width / 6) {
      bands.push_back(b);
    }
  }
  std::sort(bands.begin(), bands.end(), [](const Box& a, const Box& b) { return a.y < b.y; });
  return bands;
}

bool similar(int a, int b, double tolerance) {
  return std::abs(a - b) <= tolerance * std::max(a, b);
}

// Three stacked bands of MRZ shape: similar widths, left edges and heights, evenly
// spaced about 1.2–2.6 line heights apart. Among several, the lowest (the MRZ is at the
// bottom of the card back) with the widest lines.
std::optional<std::array<Box, 3>> find_mrz_bands(const std::vector<Box>& bands) {
  std::optional<std::array<Box, 3>> best;
  long best_score = -1;
  for (std::size_t i = 0; i + 2 < bands.size(); ++i) {
    for (std::size_t j = i + 1; j + 1 < bands.size(); ++j) {
      for (std::size_t k = j + 1; k < bands.size(); ++k) {
        const Box &a = bands[i], &b = bands[j], &c = bands[k];
        const int h = std::max({a.h, b.h, c.h});
        const int gap1 = b.y - a.y, gap2 = c.y - b.y;
        if (!similar(a.w, b.w, 0.12) || !similar(a.w, c.w, 0.2) || !similar(a.h, b.h, 0.5) || !similar(a.h, c.h, 0.5)) {
          continue;
        }
        if (std::abs(a.x - b.x) > 2 * h || std::abs(a.x - c.x) > 3 * h || !similar(gap1, gap2, 0.25) ||
            gap1 < 1.1 * h || gap1 > 2.8 * h) {
          continue;
        }
        const long score = static_cast<long>(c.y) * 4 + a.w;
        if (score > best_score) {
          best_score = score;
          best = std::array<Box, 3>{a, b, c};
        }
      }
    }
  }
  return best;
}

// --- OCR of the lines -------------------------------------------------------------

constexpr const char* kLine1Whitelist = "IDMEX0123456789<";
constexpr const char* kLine2Whitelist = "0123456789HMEX<";
constexpr const char* kLine3Whitelist = "ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

std::string without_spaces(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      out.push_back(c);
    }
  }
  return out;
}

// One line cropped from the upright image and scaled for Tesseract, with what maps its
// coordinates back: upright x = origin_x + (x - kBorder) / scale.
struct LineImage {
  PixPtr pix;
  int origin_x = 0;
  float scale = 1;
};

constexpr int kBorder = 10;

// Crops one band (full-resolution coordinates, with a margin) and scales it so the text
// is `target_height` pixels tall; optionally binarizes it (Sauvola).
LineImage prepare_line(PIX* gray, const Box& band, int target_height, bool binarize) {
  const int margin_y = std::max(2, band.h * 2 / 5);
  const int margin_x = std::max(4, band.h);
  const int x = std::max(0, band.x - margin_x);
  BOX* box = boxCreate(x, std::max(0, band.y - margin_y), band.w + 2 * margin_x, band.h + 2 * margin_y);
  PixPtr crop(pixClipRectangle(gray, box, nullptr));
  boxDestroy(&box);
  LineImage line;
  if (!crop) {
    return line;
  }
  line.origin_x = x;
  line.scale = static_cast<float>(target_height) / static_cast<float>(std::max(1, band.h));
  PixPtr scaled(pixScale(crop.get(), line.scale, line.scale));
  if (!scaled) {
    return line;
  }
  if (!binarize) {
    line.pix.reset(pixAddBorder(scaled.get(), kBorder, 0xff));
    return line;
  }
  PIX* binary = nullptr;
  // Sauvola's half window: about half the text height, bounded by the crop's height.
  const int window = std::clamp(target_height / 2, 4, std::max(4, (pixGetHeight(scaled.get()) - 3) / 2));
  if (pixSauvolaBinarize(scaled.get(), window, 0.34f, 1, nullptr, nullptr, nullptr, &binary) != 0 || !binary) {
    return line;
  }
  PixPtr owned(binary);
  line.pix.reset(pixAddBorder(owned.get(), kBorder, 0));  // 1 bpp: 0 is white
  return line;
}

std::string text_of(const std::vector<Symbol>& symbols) {
  std::string text;
  for (const auto& symbol : symbols) {
    text.push_back(symbol.c);
  }
  return text;
}

double center_x(const LineImage& line, const Symbol& symbol) {
  return line.origin_x + ((symbol.left + symbol.right) / 2.0 - kBorder) / line.scale;
}

// --- The name line, cell by cell ----------------------------------------------------
//
// No check digit covers line 3, and Tesseract's English model reads OCR-B's '<' poorly
// (as K, or a run of '<' one too long or short). The MRZ is monospaced, though: line 2,
// once its check digits hold, gives the character grid, and each character Tesseract
// reads on line 3 is put in the cell under it. The name line is accepted only when
//  - every cell up to the last letter holds exactly one character (missing cells after
//    it are the '<' padding Tesseract tends to drop);
//  - it has the name line's shape: surnames, "<<", given names, '<' padding;
//  - no K touches a '<' (K is what '<' is misread as; such a line is unreadable, not
//    guessed);
//  - two preprocessing variants read it identically.

struct Grid {
  double x0 = 0;     // center of cell 0, upright coordinates
  double pitch = 0;  // distance between cell centers
};

// The grid from line 2 as Tesseract read it: its first 15 symbols are cells 0–14 (digits
// and the sex, never '<', so none is lost from a run) and its last symbol is cell 29 (the
// composite check digit). Least squares over those 16 centers; nullopt when they do not
// sit on a regular grid (a spurious or missing symbol).
std::optional<Grid> character_grid(const LineImage& image, const std::vector<Symbol>& line2) {
  if (line2.size() < 17) {
    return std::nullopt;
  }
  std::vector<std::pair<double, double>> points;  // (cell, center)
  for (int i = 0; i < 15; ++i) {
    points.emplace_back(i, center_x(image, line2[i]));
  }
  points.emplace_back(29, center_x(image, line2.back()));
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& [x, y] : points) {
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double n = static_cast<double>(points.size());
  const double pitch = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const double x0 = (sy - pitch * sx) / n;
  if (!(pitch > 2)) {
    return std::nullopt;
  }
  for (const auto& [x, y] : points) {
    if (std::abs(x0 + pitch * x - y) > pitch / 4) {
      return std::nullopt;
    }
  }
  return Grid{x0, pitch};
}

// Line 3 from Tesseract's characters placed on the grid, or nullopt (see above).
std::optional<std::string> name_line_on_grid(const Grid& grid, const LineImage& image,
                                             const std::vector<Symbol>& symbols) {
  std::string cells(30, '\0');
  for (const auto& symbol : symbols) {
    const double position = (center_x(image, symbol) - grid.x0) / grid.pitch;
    const long cell = std::lround(position);
    if (cell < 0 || cell >= 30 || std::abs(position - cell) > 0.3 || cells[cell] != '\0') {
      return std::nullopt;  // off the grid, or two characters in one cell
    }
    cells[cell] = symbol.c;
  }
  const auto last_letter = cells.find_last_not_of(std::string("<\0", 2));
  for (std::size_t i = 0; i < 30; ++i) {
    if (cells[i] == '\0') {
      if (last_letter != std::string::npos && i < last_letter) {
        return std::nullopt;
      }
      cells[i] = '<';
    }
  }
  if (cells.find("K<") != std::string::npos || cells.find("<K") != std::string::npos) {
    return std::nullopt;
  }
  if (cells == std::string(30, '<')) {
    return cells;
  }
  // Shape: [A-Z]+(<[A-Z]+)*<<[A-Z]+(<[A-Z]+)*<* , or surnames alone followed by padding.
  const auto end = cells.find_last_not_of('<');
  const std::string_view names = std::string_view(cells).substr(0, end + 1);
  const auto separator = names.find("<<");
  if (names.front() == '<' || names.find("<<<") != std::string_view::npos ||
      (separator != std::string_view::npos && names.find("<<", separator + 2) != std::string_view::npos)) {
    return std::nullopt;
  }
  return cells;
}

struct Variant {
  int target_height;
  bool binarize;
};

// Tried in order until one reading passes every check.
constexpr std::array<Variant, 4> kVariants = {{{40, false}, {30, false}, {40, true}, {52, false}}};

MrzReading unreadable(std::string reason) {
  return MrzReading{std::nullopt, std::move(reason)};
}

}  // namespace

std::vector<std::string> align_mrz_lines(std::vector<std::string> lines) {
  for (auto& line : lines) {
    line = without_spaces(line);
  }
  if (lines.size() != 3) {
    return lines;
  }
  // Line 1: 15 characters, the "<<", the 13-digit block.
  if (std::string& l1 = lines[0]; l1.size() != 30 && l1.size() > 28) {
    const auto run_start = l1.find('<', 15);
    const auto run_end = l1.find_first_not_of('<', run_start == std::string::npos ? l1.size() : run_start);
    if (run_start == 15 && run_end != std::string::npos && l1.size() - run_end == 13) {
      l1 = l1.substr(0, 15) + "<<" + l1.substr(run_end);
    }
  }
  // Line 2: 18 characters, 11 of optional data, the composite check digit.
  if (std::string& l2 = lines[1]; l2.size() != 30 && l2.size() > 19) {
    const std::string optional = l2.substr(18, l2.size() - 19);
    std::vector<std::string> groups;
    std::string current;
    for (const char c : optional + "<") {
      if (c == '<') {
        if (!current.empty()) {
          groups.push_back(current);
        }
        current.clear();
      } else {
        current.push_back(c);
      }
    }
    if (groups.empty()) {
      l2 = l2.substr(0, 18) + std::string(11, '<') + l2.back();
    } else if (groups.size() == 2 && groups[0].size() == 2 && groups[1].size() == 5 && optional.front() == '<') {
      l2 = l2.substr(0, 18) + "<" + groups[0] + "<<" + groups[1] + "<" + l2.back();
    }
  }
  // Line 3: the trailing '<' padding.
  if (std::string& l3 = lines[2]; l3.size() != 30) {
    while (l3.size() > 30 && l3.back() == '<') {
      l3.pop_back();
    }
    if (l3.size() < 30 && (l3.empty() || l3.back() == '<' || l3.size() >= 26)) {
      l3.append(30 - l3.size(), '<');
    }
  }
  return lines;
}

MrzReading MrzReader::read(std::span<const std::uint8_t> encoded_image) const {
  if (encoded_image.empty()) {
    return unreadable("empty image");
  }
  PixPtr decoded(pixReadMem(encoded_image.data(), encoded_image.size()));
  if (!decoded) {
    return unreadable("not a decodable JPEG, PNG or WebP image");
  }
  PixPtr gray = to_gray(decoded.get());
  if (!gray || pixGetWidth(gray.get()) < 200 || pixGetHeight(gray.get()) < 100) {
    return unreadable("image too small to hold a readable MRZ");
  }
  OcrEngine& engine = thread_engine();
  if (!engine.ready()) {
    return unreadable("OCR engine unavailable (Tesseract 'eng' language data not found)");
  }

  // Skew is measured on a reduced copy and removed from the full-resolution image.
  const float reduce = std::min(1.0f, static_cast<float>(kDetectionWidth) / pixGetWidth(gray.get()));
  PixPtr small(pixScale(gray.get(), reduce, reduce));
  l_float32 angle = 0, confidence = 0;
  PixPtr small_deskewed(pixDeskewGeneral(small.get(), 0, 6.0f, 0.0f, 0, 0, &angle, &confidence));
  const bool rotate = confidence > 2.0f && std::abs(angle) > 0.1f;
  PixPtr upright(rotate ? pixRotate(gray.get(), angle * 3.14159265f / 180.0f, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0)
                        : pixClone(gray.get()));
  PixPtr detect(rotate ? pixScale(upright.get(), reduce, reduce) : pixClone(small.get()));
  if (!upright || !detect) {
    return unreadable("image could not be processed");
  }

  const auto bands = find_mrz_bands(text_line_bands(detect.get()));
  if (!bands) {
    return unreadable("no MRZ found: three machine-readable lines were not located");
  }
  std::array<Box, 3> full{};
  for (std::size_t i = 0; i < 3; ++i) {
    const Box& b = (*bands)[i];
    full[i] = Box{static_cast<int>(b.x / reduce), static_cast<int>(b.y / reduce),
                  static_cast<int>(std::ceil(b.w / reduce)), static_cast<int>(std::ceil(b.h / reduce))};
  }

  std::string last_problem = "no reading";
  const std::string blank_line3(30, '<');
  for (const Variant& variant : kVariants) {
    std::array<LineImage, 3> images;
    std::array<std::vector<Symbol>, 3> symbols;
    bool prepared = true;
    for (std::size_t i = 0; i < 3 && prepared; ++i) {
      images[i] = prepare_line(upright.get(), full[i], variant.target_height, variant.binarize);
      prepared = images[i].pix != nullptr;
      if (prepared) {
        const char* whitelist = i == 0 ? kLine1Whitelist : i == 1 ? kLine2Whitelist : kLine3Whitelist;
        symbols[i] = engine.read_line(images[i].pix.get(), whitelist);
      }
    }
    if (!prepared || symbols[1].size() < 2) {
      continue;
    }
    // Lines 1 and 2 first, with a blank name line: their check digits validate them.
    const auto aligned = align_mrz_lines({text_of(symbols[0]), text_of(symbols[1]), blank_line3});
    auto numbers = ine::parse_mrz_reading(aligned[0] + "\n" + aligned[1] + "\n" + aligned[2]);
    if (!numbers.ok()) {
      last_problem = std::string(ine::mrz_error_code(numbers.error->kind));
      continue;
    }
    const auto grid = character_grid(images[1], symbols[1]);
    if (!grid) {
      last_problem = "character grid";
      continue;
    }
    const auto line3 = name_line_on_grid(*grid, images[2], symbols[2]);
    if (!line3) {
      last_problem = "name line";
      continue;
    }
    // The name line must read the same in a second variant: no check digit covers it.
    bool confirmed = false;
    for (const Variant& other : kVariants) {
      if (&other == &variant) {
        continue;
      }
      const LineImage image = prepare_line(upright.get(), full[2], other.target_height, other.binarize);
      if (image.pix) {
        const auto again = name_line_on_grid(*grid, image, engine.read_line(image.pix.get(), kLine3Whitelist));
        if (again) {
          confirmed = *again == *line3;
          break;
        }
      }
    }
    if (!confirmed) {
      last_problem = "name line not confirmed";
      continue;
    }
    auto parse = ine::parse_mrz(numbers.mrz->line1 + "\n" + numbers.mrz->line2 + "\n" + *line3);
    if (parse.ok()) {
      return MrzReading{std::move(parse.mrz), {}};
    }
    last_problem = std::string(ine::mrz_error_code(parse.error->kind));
  }
  return unreadable("MRZ found but no reading passed every check (last: " + last_problem + ")");
}

}  // namespace inereg::vision
