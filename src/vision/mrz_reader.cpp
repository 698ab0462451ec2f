#include "vision/mrz_reader.hpp"

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string_view>

#include "ine/mrz_repair.hpp"
#include "vision/gray_decode.hpp"
#include "vision/leptonica.hpp"

namespace inereg::vision {
namespace {

// --- Tesseract, one engine per thread ------------------------------------------

struct Symbol {
  char c = 0;
  int left = 0, top = 0, right = 0, bottom = 0;
  float confidence = 0;  // Tesseract's, 0-100
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

  // The recognized characters of one text line (or one character, with
  // PSM_SINGLE_CHAR) and their boxes, in image coordinates.
  std::vector<Symbol> read(PIX* image, const char* whitelist, tesseract::PageSegMode mode) {
    api_.SetPageSegMode(mode);
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
            symbol.confidence = it->Confidence(tesseract::RIL_SYMBOL);
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
  // A text line's character height. Its box is taller when the line is tilted (perspective
  // leaves some tilt after deskewing).
  int line_height = 0;
  // Where known (lines found by their characters), the line's centre y = centre_a +
  // centre_b x: a line tilted by more than its spacing over its length shares its box with
  // its neighbours.
  bool has_centre = false;
  double centre_a = 0, centre_b = 0;
};

// Detection runs on a copy about this wide: large enough for 30 characters to stay
// apart, small enough that morphology and skew search are cheap.
constexpr int kDetectionWidth = 1000;
// Reading works on at most this width: an MRZ on a card filling half of it has
// characters about 17 pixels tall, more than the renderings need.
constexpr int kWorkingWidth = 2000;
// A far card's MRZ is looked for down to this share of the photo's width, only to say so.
constexpr int kFarMrzWidthShare = 14;
// Skew is searched this far each way: a card tilted away from a phone's camera turns its
// lines by up to about 10 degrees on top of how the phone is held.
constexpr float kMaxSkewDegrees = 12;

// Burnt out: a share of the lines' rows at least this large at the sensor's white, where
// the paper itself is not (a reflection splits a line where it burns the print out, so
// the rows are measured as far as a whole line would reach).
constexpr double kBurntOutShare = 0.08;
constexpr l_uint32 kBurntOut = 250;

// Dark strokes (black top-hat, so uneven light does not matter), thresholded relative to
// the strongest ones: text stays, paper texture and faint guilloche lines go.
PixPtr stroke_mask(PIX* gray, int fifths = 2) {
  PixPtr tophat(pixTophat(gray, 17, 17, L_TOPHAT_BLACK));
  if (!tophat) {
    return nullptr;
  }
  l_uint32 strong = 0;
  pixGetRankValue(tophat.get(), 2, 0.99f, &strong);
  const int threshold = std::max(25, static_cast<int>(strong) * fifths / 5);
  PixPtr below(pixThresholdToBinary(tophat.get(), threshold));
  return below ? PixPtr(pixInvert(nullptr, below.get())) : nullptr;
}

double median(std::vector<double> values) {
  if (values.empty()) {
    return 0;
  }
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}

// How tall a band's component is over its columns, the upper quartile: a line's character
// height whatever its tilt (its box is taller). Not the median: where the strokes are thin
// and far apart, many columns of the closed band hold only a character's bars.
double column_height(PIX* component) {
  std::vector<double> heights;
  const l_uint32* data = pixGetData(component);
  const int wpl = pixGetWpl(component);
  for (int x = 0; x < pixGetWidth(component); ++x) {
    int top = -1, bottom = -1;
    for (int y = 0; y < pixGetHeight(component); ++y) {
      if (GET_DATA_BIT(data + static_cast<std::ptrdiff_t>(y) * wpl, x)) {
        top = top < 0 ? y : top;
        bottom = y;
      }
    }
    if (top >= 0) {
      heights.push_back(bottom - top + 1);
    }
  }
  if (heights.empty()) {
    return 0;
  }
  const auto upper_quartile = heights.begin() + static_cast<long>(heights.size() * 3 / 4);
  std::nth_element(heights.begin(), upper_quartile, heights.end());
  return *upper_quartile;
}

// The bands of text lines: the strokes (stroke_mask) closed horizontally so the
// characters of a line merge into one component.
// Whether at least a third of a rectangle of `gray` is burnt out to white (kBurntOut).
bool burnt_out_between(PIX* gray, int left, int right, int top, int bottom) {
  if (gray == nullptr || right <= left || bottom <= top) {
    return false;
  }
  long burnt = 0, all = 0;
  const l_uint32* data = pixGetData(gray);
  const int wpl = pixGetWpl(gray);
  for (int y = std::max(0, top); y < std::min(bottom, pixGetHeight(gray)); ++y) {
    const l_uint32* row = data + static_cast<std::ptrdiff_t>(y) * wpl;
    for (int x = std::max(0, left); x < std::min(right, pixGetWidth(gray)); ++x) {
      burnt += GET_DATA_BYTE(row, x) >= kBurntOut ? 1 : 0;
      ++all;
    }
  }
  return all > 0 && burnt * 3 >= all;
}

// `gray`, when given, is the image the strokes were taken from: pieces of a line on either
// side of a burnt-out reflection are joined across it (then the MRZ is found, and the
// reflection named as the reason it does not read).
std::vector<Box> text_line_bands(PIX* strokes, int min_width_share = 6, PIX* gray = nullptr) {
  const int width = pixGetWidth(strokes);
  const int close_width = std::max(9, width / 45);
  PixPtr closed(pixCloseBrick(nullptr, strokes, close_width, 1));
  PixPtr opened(pixOpenBrick(nullptr, closed.get(), std::max(3, width / 100), 3));
  if (!opened) {
    return {};
  }
  PIXA* components = nullptr;
  BoxaPtr boxa(pixConnComp(opened.get(), &components, 8));
  struct Piece {
    Box box;
    double height_sum = 0;  // column_height times width, summed over the pieces joined into one band
    long ink_width = 0;
    double height() const { return height_sum / std::max(1L, ink_width); }
  };
  std::vector<Piece> pieces;
  const int count = boxa ? boxaGetCount(boxa.get()) : 0;
  for (int i = 0; i < count; ++i) {
    Piece piece;
    Box& b = piece.box;
    boxaGetBoxGeometry(boxa.get(), i, &b.x, &b.y, &b.w, &b.h);
    PixPtr component(pixaGetPix(components, i, L_CLONE));
    if (component && b.h >= 5 && b.h <= 80) {
      piece.height_sum = column_height(component.get()) * b.w;
      piece.ink_width = b.w;
      pieces.push_back(piece);
    }
  }
  pixaDestroy(&components);
  // A line can come apart where its strokes are thin: OCR-B's '<' is mostly diagonal,
  // and the opening removes some of it. Pieces side by side on one row, of similar
  // heights, are one line (not a line and the lines of a page lying next to the card).
  std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.box.x < b.box.x; });
  std::vector<Piece> rows;
  for (const Piece& piece : pieces) {
    const Box& p = piece.box;
    auto same_row = std::find_if(rows.begin(), rows.end(), [&](const Piece& row) {
      const Box& band = row.box;
      const int overlap = std::min(band.y + band.h, p.y + p.h) - std::max(band.y, p.y);
      const int gap = p.x - (band.x + band.w);
      const double row_height = row.height(), piece_height = piece.height();
      const int tallest = std::max(band.h, p.h);
      const bool near = gap <= 2 * tallest ||
                        (gap <= 12 * tallest && burnt_out_between(gray, band.x + band.w, p.x, std::max(band.y, p.y),
                                                                  std::min(band.y + band.h, p.y + p.h)));
      return overlap >= std::min(band.h, p.h) * 3 / 5 && near &&
             std::min(row_height, piece_height) >= 0.6 * std::max(row_height, piece_height);
    });
    if (same_row == rows.end()) {
      rows.push_back(piece);
      continue;
    }
    Box& band = same_row->box;
    const int right = std::max(band.x + band.w, p.x + p.w);
    const int bottom = std::max(band.y + band.h, p.y + p.h);
    band.x = std::min(band.x, p.x);
    band.y = std::min(band.y, p.y);
    band.w = right - band.x;
    band.h = bottom - band.y;
    same_row->height_sum += piece.height_sum;
    same_row->ink_width += piece.ink_width;
  }
  std::vector<Box> bands;
  for (const Piece& row : rows) {
    Box band = row.box;
    band.line_height = static_cast<int>(std::lround(row.height()));
    if (band.line_height >= 3 && band.w >= 8 * band.line_height && band.w >= width / min_width_share) {
      bands.push_back(band);
    }
  }
  std::sort(bands.begin(), bands.end(), [](const Box& a, const Box& b) { return a.y < b.y; });
  return bands;
}

bool similar(int a, int b, double tolerance) {
  return std::abs(a - b) <= tolerance * std::max(a, b);
}

// Three stacked bands of MRZ shape: similar widths, edges and line heights, evenly
// spaced about 1.1–2.8 line heights apart (centre to centre: a tilted line's box is taller
// than its characters). The lowest first (the MRZ is at the bottom of the card back), then
// the widest; at most kMaxCandidates.
constexpr std::size_t kMaxCandidates = 4;

std::vector<std::array<Box, 3>> mrz_band_candidates(const std::vector<Box>& bands) {
  std::vector<std::pair<long, std::array<Box, 3>>> scored;
  for (std::size_t i = 0; i + 2 < bands.size(); ++i) {
    for (std::size_t j = i + 1; j + 1 < bands.size(); ++j) {
      for (std::size_t k = j + 1; k < bands.size(); ++k) {
        const Box &a = bands[i], &b = bands[j], &c = bands[k];
        const int h = std::max({a.line_height, b.line_height, c.line_height});
        const int gap1 = (2 * b.y + b.h - 2 * a.y - a.h) / 2, gap2 = (2 * c.y + c.h - 2 * b.y - b.h) / 2;
        // The middle line may have been joined with clutter beside it (a thumb, a pen):
        // wider on one side only, the other edge in line with both others' (the median
        // edges below drop what it picked up).
        const bool same_left = std::abs(a.x - b.x) <= h && std::abs(c.x - b.x) <= h;
        const bool same_right = std::abs(a.x + a.w - b.x - b.w) <= h && std::abs(c.x + c.w - b.x - b.w) <= h;
        const bool middle_widened = b.w > a.w && b.w <= 1.4 * std::max(a.w, c.w) && (same_left || same_right);
        if (!(similar(a.w, b.w, 0.12) || middle_widened) || !similar(a.w, c.w, 0.2) ||
            !similar(a.line_height, b.line_height, 0.5) || !similar(a.line_height, c.line_height, 0.5)) {
          continue;
        }
        // Lines of 30 characters each: left edges or right edges line up (one band may
        // have picked up a piece of the card's edge or a smudge on one side).
        const auto aligned = [](const Box& p, const Box& q, int tolerance) {
          return std::abs(p.x - q.x) <= tolerance || std::abs((p.x + p.w) - (q.x + q.w)) <= tolerance;
        };
        if (!aligned(a, b, 2 * h) || !aligned(a, c, 3 * h) || !aligned(b, c, 2 * h) || !similar(gap1, gap2, 0.25) ||
            gap1 < 1.1 * h || gap1 > 2.8 * h) {
          continue;
        }
        scored.emplace_back(static_cast<long>(c.y) * 4 + a.w, std::array<Box, 3>{a, b, c});
      }
    }
  }
  std::sort(scored.begin(), scored.end(), [](const auto& p, const auto& q) { return p.first > q.first; });
  std::vector<std::array<Box, 3>> candidates;
  for (auto& [score, lines] : scored) {
    if (candidates.size() == kMaxCandidates) {
      break;
    }
    // Every line spans the same 30 cells: the median edges drop what one band picked up.
    std::array<int, 3> lefts{}, rights{};
    for (std::size_t i = 0; i < 3; ++i) {
      lefts[i] = lines[i].x;
      rights[i] = lines[i].x + lines[i].w;
    }
    std::sort(lefts.begin(), lefts.end());
    std::sort(rights.begin(), rights.end());
    for (auto& line : lines) {
      line.x = lefts[1];
      line.w = rights[1] - lefts[1];
    }
    candidates.push_back(lines);
  }
  return candidates;
}

// --- The character grid ------------------------------------------------------------
//
// An MRZ is monospaced and all 30 cells of each line are printed (the '<' filler too),
// so the three lines share one pitch and start at the same x. Tesseract reads a raw MRZ
// line poorly: OCR-B's wide spacing splits it into "words" and a '<' run comes back one
// character too long or too short. So each line is cut into its 30 cells, the cells are
// set next to each other at ordinary text spacing, and every character Tesseract reads is
// put back in the cell it came from. A cell that does not yield exactly one character is
// read again on its own; failing that, the line is unreadable.

// One ink blob (a character, mostly) in upright coordinates.
struct Glyph {
  double cx = 0, cy = 0;
  int w = 0, h = 0;
};

// Least squares y = a + b x.
std::pair<double, double> fit_line(const std::vector<std::pair<double, double>>& points) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& [x, y] : points) {
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double n = static_cast<double>(points.size());
  const double denominator = n * sxx - sx * sx;
  if (std::abs(denominator) < 1e-9) {
    return {n > 0 ? sy / n : 0, 0};
  }
  const double b = (n * sxy - sx * sy) / denominator;
  return {(sy - b * sx) / n, b};
}

// --- Finding the MRZ by its characters ------------------------------------------------
//
// The bands above come from closing the strokes horizontally, so whatever lies within a
// closing's width of a line joins it: wood grain beyond the card's edge (the MRZ ends
// 4–5 mm from it), a thumb's edge, a shadow's. The band is then too wide or too tall to
// pair with the others and only the card's own print is left to try. When that finds no
// MRZ, the lines are looked for once more from the character blobs themselves: rows of
// blobs of one size, monospaced (each step one to three cells of a pitch that changes
// slowly along the row, as perspective makes it), three of them stacked at the MRZ's line
// spacing. Clutter does not join such a row: it is not a run of character-sized blobs at
// one pitch. (Line 3 may still run on into clutter at its pitch: its band takes lines 1
// and 2's ends.)

struct GlyphRow {
  std::vector<Glyph> blobs;  // left to right
  double pitch = 0;          // the median one-cell step
  int cells = 0;             // how many cells the first and last blobs are apart
  double a = 0, b = 0;       // the centres' line, y = a + b x
  int height = 0;            // the characters' height (upper quartile of the blobs')
  int left = 0, right = 0;
};

// A step between neighbouring blobs: how many cells of `pitch` it spans, or 0 when it is
// no whole number of them (within 0.3 of a cell), or more than three.
int cells_in_step(double step, double pitch) {
  const double cells = step / pitch;
  const long whole = std::lround(cells);
  return whole >= 1 && whole <= 3 && std::abs(cells - whole) <= 0.3 ? static_cast<int>(whole) : 0;
}

// A row of monospaced blobs, `cells` apart from first to last; `pitch` tells the one-cell steps.
GlyphRow make_row(const std::vector<const Glyph*>& run, int cells, double pitch) {
  GlyphRow row;
  std::vector<std::pair<double, double>> centers;
  std::vector<double> heights, one_cell;
  for (std::size_t i = 0; i < run.size(); ++i) {
    row.blobs.push_back(*run[i]);
    centers.emplace_back(run[i]->cx, run[i]->cy);
    heights.push_back(run[i]->h);
    if (i > 0 && cells_in_step(run[i]->cx - run[i - 1]->cx, pitch) == 1) {
      one_cell.push_back(run[i]->cx - run[i - 1]->cx);
    }
  }
  std::sort(heights.begin(), heights.end());
  row.height = static_cast<int>(std::lround(heights[heights.size() * 3 / 4]));
  row.pitch = one_cell.empty() ? pitch : median(one_cell);
  row.cells = cells;
  std::tie(row.a, row.b) = fit_line(centers);
  row.left = static_cast<int>(std::floor(row.blobs.front().cx - row.blobs.front().w / 2.0));
  row.right = static_cast<int>(std::ceil(row.blobs.back().cx + row.blobs.back().w / 2.0));
  return row;
}

// Rows that continue one another on one line (a chain of neighbours breaks where a
// character is lost or comes apart): joined when the step between them is whole cells.
std::vector<GlyphRow> join_rows(std::vector<GlyphRow> rows) {
  std::sort(rows.begin(), rows.end(), [](const GlyphRow& p, const GlyphRow& q) { return p.left < q.left; });
  for (bool joined = true; joined;) {
    joined = false;
    for (std::size_t i = 0; i < rows.size() && !joined; ++i) {
      for (std::size_t j = 0; j < rows.size() && !joined; ++j) {
        const GlyphRow &p = rows[i], &q = rows[j];
        if (i == j || q.blobs.front().cx <= p.blobs.back().cx || !similar(p.height, q.height, 0.35)) {
          continue;
        }
        const double pitch = (p.pitch + q.pitch) / 2;
        const Glyph &end = p.blobs.back(), &start = q.blobs.front();
        // Both ends may be pieces of one character (step 0 cells): q's is dropped.
        const double step = (start.cx - end.cx) / pitch;
        const bool same_cell = step < 0.3;
        const int cells = same_cell ? 0 : cells_in_step(start.cx - end.cx, pitch);
        if ((!same_cell && cells == 0) || std::abs(start.cy - (p.a + p.b * start.cx)) > 0.3 * p.height) {
          continue;
        }
        std::vector<const Glyph*> run;
        for (const Glyph& blob : p.blobs) {
          run.push_back(&blob);
        }
        for (std::size_t k = same_cell ? 1 : 0; k < q.blobs.size(); ++k) {
          run.push_back(&q.blobs[k]);
        }
        GlyphRow row = make_row(run, p.cells + cells + q.cells, pitch);
        rows[i] = std::move(row);
        rows.erase(rows.begin() + static_cast<long>(j));
        joined = true;
      }
    }
  }
  return rows;
}

std::vector<GlyphRow> glyph_rows(PIX* strokes) {
  // A character whose strokes a highlight thinned comes apart in pieces a pixel or two
  // apart; neighbouring characters stand several pixels apart.
  PixPtr closed(pixCloseBrick(nullptr, strokes, 3, 3));
  BoxaPtr boxa(closed ? pixConnComp(closed.get(), nullptr, 8) : nullptr);
  std::vector<Glyph> blobs;
  const int count = boxa ? boxaGetCount(boxa.get()) : 0;
  for (int i = 0; i < count; ++i) {
    int x = 0, y = 0, w = 0, h = 0;
    boxaGetBoxGeometry(boxa.get(), i, &x, &y, &w, &h);
    // A character's size: a merged pair or a stripe is wider than tall.
    if (h >= 5 && h <= 60 && w <= h * 13 / 10) {
      blobs.push_back(Glyph{x + w / 2.0, y + h / 2.0, w, h});
    }
  }
  std::sort(blobs.begin(), blobs.end(), [](const Glyph& p, const Glyph& q) { return p.cx < q.cx; });
  // Each blob's nearest neighbour on its right on the same row, of a character's size
  // beside it ('<' is lower than a letter), up to three cells away; a blob chosen by
  // two keeps the nearer.
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> next(blobs.size(), kNone), previous(blobs.size(), kNone);
  for (std::size_t i = 0; i < blobs.size(); ++i) {
    const Glyph& p = blobs[i];
    double best = 1e9;
    for (std::size_t j = i + 1; j < blobs.size() && blobs[j].cx - p.cx <= 4.5 * 60; ++j) {
      const Glyph& q = blobs[j];
      const double tallest = std::max(p.h, q.h), dx = q.cx - p.cx, dy = std::abs(q.cy - p.cy);
      if (dx < 0.6 * tallest || dx > 4.0 * tallest || dy > 0.3 * tallest + 0.1 * dx ||
          std::min(p.h, q.h) < 0.4 * tallest) {
        continue;
      }
      if (dx < best) {
        best = dx;
        next[i] = j;
      }
    }
    if (next[i] != kNone) {
      const std::size_t j = next[i];
      if (previous[j] == kNone) {
        previous[j] = i;
      } else if (blobs[j].cx - blobs[previous[j]].cx > best) {
        next[previous[j]] = kNone;
        previous[j] = i;
      } else {
        next[i] = kNone;
      }
    }
  }
  std::vector<GlyphRow> rows;
  for (std::size_t start = 0; start < blobs.size(); ++start) {
    if (previous[start] != kNone || next[start] == kNone) {
      continue;
    }
    std::vector<const Glyph*> chain;
    for (std::size_t i = start; i != kNone; i = next[i]) {
      chain.push_back(&blobs[i]);
    }
    if (chain.size() < 8) {
      continue;
    }
    // The one-cell step: the median of the steps no longer than a character and a half.
    std::vector<double> heights, steps;
    for (const Glyph* glyph : chain) {
      heights.push_back(glyph->h);
    }
    const double tall = median(heights);
    for (std::size_t i = 1; i < chain.size(); ++i) {
      const double step = chain[i]->cx - chain[i - 1]->cx;
      if (step <= 1.6 * tall) {
        steps.push_back(step);
      }
    }
    if (steps.size() < 6) {
      continue;
    }
    const double pitch = median(steps);
    // Monospaced runs: each step a whole number of cells of the local pitch (the median of
    // the one-cell steps nearby; perspective changes it along the row). A blob off the
    // cells (a piece of a broken character, a speck) is skipped.
    const auto local_pitch = [&](std::size_t i) {
      std::vector<double> nearby;
      for (std::size_t k = i > 4 ? i - 4 : 1; k < std::min(chain.size(), i + 5); ++k) {
        const double step = chain[k]->cx - chain[k - 1]->cx;
        if (cells_in_step(step, pitch) == 1) {
          nearby.push_back(step);
        }
      }
      return nearby.empty() ? pitch : median(nearby);
    };
    std::vector<const Glyph*> run;
    int run_cells = 0;
    const auto close_run = [&] {
      if (run.size() >= 8) {
        rows.push_back(make_row(run, run_cells, pitch));
      }
      run.clear();
      run_cells = 0;
    };
    for (std::size_t i = 0; i < chain.size(); ++i) {
      if (run.empty()) {
        run.push_back(chain[i]);
        continue;
      }
      const int cells = cells_in_step(chain[i]->cx - run.back()->cx, local_pitch(i));
      if (cells == 0 && i + 1 < chain.size() &&
          cells_in_step(chain[i + 1]->cx - run.back()->cx, local_pitch(i + 1)) != 0) {
        continue;
      }
      if (cells == 0) {
        close_run();
      } else {
        run_cells += cells;
      }
      run.push_back(chain[i]);
    }
    close_run();
  }
  return join_rows(std::move(rows));
}

// Three glyph rows stacked as an MRZ's lines, as bands (detection coordinates) like those of
// mrz_band_candidates: lines 1 and 2 (their characters fill all 30 cells but for a few '<')
// span at least 20 cells, one of them nearly all 30 (line 2's run of '<' can break its
// row); line 3 (a name, then '<' padding that may be too faint to show) starts where they
// do; one pitch, one height, the lines about 1.4 pitches apart (3.6 mm at 2.54 mm) and
// evenly spaced. The lowest and longest first, at most kMaxCandidates (each twice).
// A row that runs on to the left of another line's start at its pitch (a keyboard's keys
// beside the card, two cells apart, continued line 3's row, or line 1's), from the blob under
// `reference`'s first character on; added to `trimmed` (whose elements stay in place). Null
// when no blob of the row lies there or too few follow.
const GlyphRow* from_line_start(const GlyphRow& row, const GlyphRow& reference, std::deque<GlyphRow>& trimmed) {
  const double start = reference.blobs.front().cx;
  const auto first = std::find_if(row.blobs.begin(), row.blobs.end(),
                                  [&](const Glyph& blob) { return blob.cx >= start - 0.5 * reference.pitch; });
  if (first == row.blobs.end() || first->cx > start + 0.5 * reference.pitch || row.blobs.end() - first < 8) {
    return nullptr;
  }
  std::vector<const Glyph*> run;
  int cells = 0;
  for (auto blob = first; blob != row.blobs.end(); ++blob) {
    if (!run.empty()) {
      cells += static_cast<int>(std::lround((blob->cx - run.back()->cx) / row.pitch));
    }
    run.push_back(&*blob);
  }
  trimmed.push_back(make_row(run, cells, row.pitch));
  return &trimmed.back();
}

// A row's first 30 cells: a line that ran on at its pitch into print beside the card (a
// page's words in line with the MRZ). Nullopt when the row holds no more.
std::optional<GlyphRow> first_thirty_cells(const GlyphRow& row) {
  if (row.cells <= 29) {
    return std::nullopt;
  }
  std::vector<const Glyph*> run;
  int cells = 0;
  for (const Glyph& blob : row.blobs) {
    const int step = run.empty() ? 0 : static_cast<int>(std::lround((blob.cx - run.back()->cx) / row.pitch));
    if (cells + step > 29) {
      break;
    }
    cells += step;
    run.push_back(&blob);
  }
  return make_row(run, cells, row.pitch);
}

std::vector<std::array<Box, 3>> mrz_glyph_candidates(const std::vector<GlyphRow>& found_rows) {
  std::vector<std::pair<double, std::array<const GlyphRow*, 3>>> scored;
  std::deque<GlyphRow> trimmed;
  // Each row as found and, when longer than a line, its first 30 cells (tried first).
  std::vector<GlyphRow> rows = found_rows;
  for (const GlyphRow& row : found_rows) {
    if (auto thirty = first_thirty_cells(row)) {
      rows.push_back(std::move(*thirty));
    }
  }
  const auto counted = [](const GlyphRow& row) { return row.cells <= 29 ? row.cells : 29 - (row.cells - 29); };
  const auto at = [](const GlyphRow& row, double x) { return row.a + row.b * x; };
  for (const GlyphRow& row1 : rows) {
    if (row1.cells < 19) {
      continue;
    }
    for (const GlyphRow& row2 : rows) {
      // Either line 1 or line 2 may have run on to the left into clutter: it is taken from
      // the other's start.
      const GlyphRow *line1 = &row1, *line2 = &row2;
      if (&row2 != &row1 && row2.left < row1.left - 1.5 * row1.pitch) {
        line2 = from_line_start(row2, row1, trimmed);
      } else if (&row2 != &row1 && row1.left < row2.left - 1.5 * row2.pitch) {
        line1 = from_line_start(row1, row2, trimmed);
      }
      if (line1 == nullptr || line2 == nullptr) {
        continue;
      }
      const GlyphRow &l1 = *line1, &l2 = *line2;
      const double middle = (l1.left + l1.right) / 2.0;
      const double gap1 = at(l2, middle) - at(l1, middle);
      if (&row2 == &row1 || l1.cells < 19 || l2.cells < 19 || gap1 < 0.9 * l1.pitch || gap1 > 2.2 * l1.pitch ||
          !similar(static_cast<int>(l1.pitch * 16), static_cast<int>(l2.pitch * 16), 0.2) ||
          !similar(l1.height, l2.height, 0.35) || std::abs(l1.left - l2.left) > 1.5 * l1.pitch ||
          std::max(l1.cells, l2.cells) < 27) {
        continue;
      }
      for (const GlyphRow& row : rows) {
        const GlyphRow* line3 = &row;
        if (&row != &row1 && &row != &row2 && row.left < l1.left - 2 * l1.pitch) {
          line3 = from_line_start(row, l1, trimmed);
          if (line3 == nullptr) {
            continue;
          }
        }
        const GlyphRow& l3 = *line3;
        const double gap2 = at(l3, middle) - at(l2, middle);
        if (&row == &row1 || &row == &row2 || gap2 < 0.75 * gap1 || gap2 > 1.33 * gap1 ||
            !similar(static_cast<int>(l1.pitch * 16), static_cast<int>(l3.pitch * 16), 0.2) ||
            !similar(l1.height, l3.height, 0.35)) {
          continue;
        }
        // Line 3 starts where line 1 does; a highlight can wash out its first letters, then
        // it must run to where line 1 ends, its start on line 1's cells.
        const double late = (l3.blobs.front().cx - l1.blobs.front().cx) / l1.pitch;
        const bool starts_late = late > 2 && late <= 12 && std::abs(late - std::round(late)) <= 0.3 &&
                                 std::abs(l3.right - l1.right) <= 1.5 * l1.pitch;
        if (std::abs(l3.left - l1.left) > 2 * l1.pitch && !starts_late) {
          continue;
        }
        scored.emplace_back(at(l3, middle) + 4.0 * (counted(l1) + counted(l2) + l3.cells), std::array{&l1, &l2, &l3});
      }
    }
  }
  std::sort(scored.begin(), scored.end(), [](const auto& p, const auto& q) { return p.first > q.first; });
  std::vector<std::array<Box, 3>> candidates;
  for (const auto& [score, lines] : scored) {
    if (candidates.size() == 2 * kMaxCandidates) {
      break;
    }
    std::array<int, 3> lefts = {lines[0]->left, lines[1]->left, lines[2]->left};
    std::sort(lefts.begin(), lefts.end());
    // The blobs' edges here are the reduced copy's; the first and last characters' centres
    // must lie inside the band in the working image too, and nothing beyond them (the card's
    // edge, clutter). Tried as found, then with half a cell of margin each side.
    for (const double margin : {0.0, lines[0]->pitch / 2}) {
      const int left = static_cast<int>(lefts[1] - margin);
      const int right = static_cast<int>(std::max(lines[0]->right, lines[1]->right) + margin);
      std::array<Box, 3> bands{};
      for (std::size_t i = 0; i < 3; ++i) {
        const GlyphRow& row = *lines[i];
        // Over the whole width: a tilted line's centre moves along it (line 3 may have been
        // found over its first cells only).
        const double y_left = at(row, left), y_right = at(row, right);
        const int top = static_cast<int>(std::floor(std::min(y_left, y_right) - row.height / 2.0));
        const int bottom = static_cast<int>(std::ceil(std::max(y_left, y_right) + row.height / 2.0));
        bands[i] = Box{left, top, right - left, bottom - top, row.height, true, row.a, row.b};
      }
      candidates.push_back(bands);
    }
  }
  return candidates;
}

// Tiles whose darkest and lightest pixels differ by less hold no ink: their stretch is
// taken from their neighbours rather than blowing up noise.
constexpr int kMinTileContrast = 40;

// Tiles of the detection copy's local contrast normalization: about two MRZ characters'
// height on a card filling half of the ~1000 px copy.
constexpr int kNormalizationTile = 40;

// How line_glyphs sees the line's light.
enum class Contrast {
  kAsTaken,
  // Stretched tile by tile (Leptonica's pixContrastNorm, tiles of a character's height):
  // under a reflection the washed-out characters' strokes are weaker than the threshold the
  // others set. Not the first choice: it also lifts paper texture and JPEG ringing.
  kNormalizedLocally,
};

// Black top-hat (dark strokes on any background, so uneven light does not matter), a
// threshold relative to the strongest strokes, 8-connected components of a character's
// size, near the straight line through their centres (the band may be tilted).
std::vector<Glyph> line_glyphs(PIX* gray, const Box& band, Contrast contrast = Contrast::kAsTaken) {
  const int height = band.line_height;
  const int margin_x = height;
  const int margin_y = height * 3 / 5;
  const int x = std::max(0, band.x - margin_x);
  const int y = std::max(0, band.y - margin_y);
  BOX* box = boxCreate(x, y, band.w + 2 * margin_x, band.h + 2 * margin_y);
  PixPtr crop(pixClipRectangle(gray, box, nullptr));
  boxDestroy(&box);
  if (!crop) {
    return {};
  }
  if (contrast == Contrast::kNormalizedLocally) {
    const int tile = std::max(5, height);
    PixPtr normalized(pixContrastNorm(nullptr, crop.get(), tile, tile, kMinTileContrast, 1, 1));
    if (!normalized) {
      return {};
    }
    crop = std::move(normalized);
  }
  const int sel = std::max(5, height / 2) | 1;  // odd, wider than any stroke
  PixPtr tophat(pixTophat(crop.get(), sel, sel, L_TOPHAT_BLACK));
  if (!tophat) {
    return {};
  }
  l_uint32 strong = 0;
  pixGetRankValue(tophat.get(), 1, 0.98f, &strong);
  const int threshold = std::max(20, static_cast<int>(strong) * 2 / 5);
  PixPtr below(pixThresholdToBinary(tophat.get(), threshold));
  PixPtr ink(below ? pixInvert(nullptr, below.get()) : nullptr);
  BoxaPtr boxa(ink ? pixConnComp(ink.get(), nullptr, 8) : nullptr);
  std::vector<Glyph> glyphs;
  const int count = boxa ? boxaGetCount(boxa.get()) : 0;
  const double pitch_guess = band.w / 29.7;
  for (int i = 0; i < count; ++i) {
    int bx = 0, by = 0, bw = 0, bh = 0;
    boxaGetBoxGeometry(boxa.get(), i, &bx, &by, &bw, &bh);
    if (bh < height * 2 / 5 || bh > height * 8 / 5) {
      continue;
    }
    const double cy = y + by + bh / 2.0;
    if (bw <= 1.4 * pitch_guess) {
      glyphs.push_back(Glyph{x + bx + bw / 2.0, cy, bw, bh});
      continue;
    }
    // Characters run together where the print is soft or blurred, mostly runs of '<':
    // a blob as wide as n characters stands for n of them, evenly spaced.
    const int n = static_cast<int>(std::lround((bw - 0.6 * pitch_guess) / pitch_guess)) + 1;
    if (bh > height * 6 / 5 || n > 15) {
      continue;
    }
    const double step = (bw - 0.6 * pitch_guess) / (n - 1);
    for (int k = 0; k < n; ++k) {
      glyphs.push_back(Glyph{x + bx + 0.3 * pitch_guess + k * step, cy, static_cast<int>(0.6 * pitch_guess), bh});
    }
  }
  // A tilted line's box holds parts of its neighbours: where the line's centre is known,
  // the blobs far off it go first.
  if (band.has_centre) {
    std::erase_if(glyphs, [&](const Glyph& glyph) {
      return std::abs(glyph.cy - (band.centre_a + band.centre_b * glyph.cx)) > 0.6 * height;
    });
  }
  // The line through the centres: the pair of blobs, far apart, with the most blobs near the
  // line through them (a tilted band's box reaches into the lines above and below, so a
  // least-squares fit over all would lean towards them); then least squares over those.
  const double near = 0.4 * height;
  std::size_t best_support = 0;
  std::pair<double, double> best_line{0, 0};
  for (std::size_t i = 0; i < glyphs.size(); ++i) {
    for (std::size_t j = i + 1; j < glyphs.size(); ++j) {
      const double dx = glyphs[j].cx - glyphs[i].cx;
      if (std::abs(dx) < band.w / 3.0) {
        continue;
      }
      const double b = (glyphs[j].cy - glyphs[i].cy) / dx, a = glyphs[i].cy - b * glyphs[i].cx;
      const auto support = static_cast<std::size_t>(std::count_if(
          glyphs.begin(), glyphs.end(), [&](const Glyph& g) { return std::abs(g.cy - (a + b * g.cx)) <= near; }));
      if (support > best_support) {
        best_support = support;
        best_line = {a, b};
      }
    }
  }
  std::vector<std::pair<double, double>> centers;
  for (const auto& glyph : glyphs) {
    if (std::abs(glyph.cy - (best_line.first + best_line.second * glyph.cx)) <= near) {
      centers.emplace_back(glyph.cx, glyph.cy);
    }
  }
  if (centers.size() < 2) {
    return {};
  }
  const auto [a, b] = fit_line(centers);
  // Copies: a lambda cannot capture structured bindings under clang 14.
  const double intercept = a, slope = b;
  std::erase_if(glyphs,
                [&](const Glyph& glyph) { return std::abs(glyph.cy - (intercept + slope * glyph.cx)) > 0.6 * height; });
  std::sort(glyphs.begin(), glyphs.end(), [](const Glyph& a, const Glyph& b) { return a.cx < b.cx; });
  return glyphs;
}

// The cells of one line: cell k is centred at x0 + pitch * k; the line's centre at x is
// y0 + slope * x (what deskewing left of the tilt).
struct LineGrid {
  double x0 = 0, pitch = 0;
  double y0 = 0, slope = 0;
  double glyph_height = 0;
  std::array<const Glyph*, 30> glyph_in_cell{};  // the blob found in each cell, if any
};

// The distance between neighbouring characters, from every line's blobs: the median of
// the neighbour distances that are near the band's width / 30.
double estimate_pitch(const std::array<std::vector<Glyph>, 3>& lines, const std::array<Box, 3>& bands) {
  const double guess = bands[0].w / 29.7;  // 29 pitches plus one glyph width
  std::vector<double> distances;
  for (const auto& glyphs : lines) {
    for (std::size_t i = 1; i < glyphs.size(); ++i) {
      const double d = glyphs[i].cx - glyphs[i - 1].cx;
      if (d > 0.75 * guess && d < 1.25 * guess) {
        distances.push_back(d);
      }
    }
  }
  if (distances.size() < 10) {
    return guess;
  }
  // A trimmed mean, not the median: blob centres sit on half pixels, and a pitch off by
  // half a pixel misplaces the last cells by half a cell.
  std::sort(distances.begin(), distances.end());
  const std::size_t trim = distances.size() / 10;
  double sum = 0;
  for (std::size_t i = trim; i < distances.size() - trim; ++i) {
    sum += distances[i];
  }
  return sum / static_cast<double>(distances.size() - 2 * trim);
}

// Places a line's blobs on 30 cells. Cell 0 is one of the first blobs (a speck left of the
// line is skipped): the leftmost under which most blobs sit on cells 0–9. Then least squares
// over the blobs on cells. Nullopt unless most cells, including the last ones, have a blob.
std::optional<LineGrid> fit_line_grid(const std::vector<Glyph>& glyphs, double pitch) {
  if (glyphs.size() < 20) {
    return std::nullopt;
  }
  auto cell_of = [](double position) { return std::lround(position); };
  std::size_t best_anchor = 0;
  int best_count = -1;
  for (std::size_t anchor = 0; anchor < std::min<std::size_t>(4, glyphs.size()); ++anchor) {
    int on_cells = 0;  // among the first 10, where an error in the pitch adds up least
    for (const auto& glyph : glyphs) {
      const double position = (glyph.cx - glyphs[anchor].cx) / pitch;
      const long cell = cell_of(position);
      on_cells += cell >= 0 && cell < 10 && std::abs(position - cell) < 0.3 ? 1 : 0;
    }
    if (on_cells > best_count) {
      best_count = on_cells;
      best_anchor = anchor;
    }
  }
  LineGrid grid;
  grid.x0 = glyphs[best_anchor].cx;
  grid.pitch = pitch;
  // The pitch estimate is off by a fraction of a pixel, which adds up along a line: the
  // grid is fitted over the first 10 cells, then 5 more at a time up to all 30 (and once
  // more, since the last fit may move a blob into or out of its cell). Steps of 10 were too
  // long where thin characters ('1' broken in pieces) pulled the first 20 cells' pitch 1 %
  // short: the last two cells fell a third of a cell off.
  for (const long cells_fitted : {10L, 15L, 20L, 25L, 30L, 30L}) {
    std::vector<std::pair<double, double>> cell_centers, line_centers;
    std::vector<double> heights;
    grid.glyph_in_cell.fill(nullptr);
    for (const auto& glyph : glyphs) {
      const double position = (glyph.cx - grid.x0) / grid.pitch;
      const long cell = cell_of(position);
      if (cell < 0 || cell >= cells_fitted || std::abs(position - cell) >= 0.3 || glyph.w > 1.2 * grid.pitch) {
        continue;
      }
      if (grid.glyph_in_cell[cell] != nullptr) {
        grid.glyph_in_cell[cell] = nullptr;  // two blobs: a broken glyph; the grid decides
        continue;
      }
      grid.glyph_in_cell[cell] = &glyph;
      cell_centers.emplace_back(static_cast<double>(cell), glyph.cx);
      line_centers.emplace_back(glyph.cx, glyph.cy);
      heights.push_back(glyph.h);
    }
    // The steps of 5 only refine the fit: their last cells may be a '<' run too faint to show.
    const bool last_cells =
        cells_fitted % 10 != 0 || grid.glyph_in_cell[cells_fitted - 1] || grid.glyph_in_cell[cells_fitted - 2];
    if (cell_centers.size() < static_cast<std::size_t>(cells_fitted * 2 / 3) || !last_cells) {
      return std::nullopt;
    }
    std::tie(grid.x0, grid.pitch) = fit_line(cell_centers);
    std::tie(grid.y0, grid.slope) = fit_line(line_centers);
    grid.glyph_height = median(std::move(heights));
  }
  if (!(grid.pitch > 4) || !(grid.glyph_height > 4)) {
    return std::nullopt;
  }
  return grid;
}

// --- Rectifying the MRZ block ----------------------------------------------------------
//
// A phone held over a card sees it in perspective: the MRZ's lines converge and their pitch
// shrinks towards the far side, so no straight grid of one pitch fits a whole line (a pitch
// changing by 8 % along 30 cells misplaces the end cells by a third of a cell). The centres
// of the first and last characters of lines 1 and 3 are the corners of a rectangle on the
// card; a projective transform that maps them back onto a rectangle gives lines of one
// pitch and one height again, and removes what deskewing left of the tilt.

struct Point {
  double x = 0, y = 0;
};

// A straight line through a line's glyph centres (perspective keeps lines straight), and its
// first and last characters: the glyphs whose centres lie inside the band.
struct LineFit {
  double a = 0, b = 0;  // y = a + b x
  Point first, last;
  double pitch = 0;  // the typical distance between neighbouring characters
  int cells = 0;     // how many cells the first and last characters are apart
};

std::optional<LineFit> fit_mrz_line(const std::vector<Glyph>& glyphs, const Box& band) {
  std::vector<const Glyph*> inside;
  for (const auto& glyph : glyphs) {
    if (glyph.cx >= band.x && glyph.cx <= band.x + band.w) {
      inside.push_back(&glyph);
    }
  }
  if (inside.size() < 20) {
    return std::nullopt;
  }
  std::vector<std::pair<double, double>> centers;
  std::vector<double> gaps;
  for (std::size_t i = 0; i < inside.size(); ++i) {
    centers.emplace_back(inside[i]->cx, inside[i]->cy);
    if (i > 0) {
      gaps.push_back(inside[i]->cx - inside[i - 1]->cx);
    }
  }
  LineFit fit;
  std::tie(fit.a, fit.b) = fit_line(centers);
  // Once more without the centres far off the line ('<' sits lower than a letter's middle,
  // a smudge anywhere).
  std::erase_if(centers,
                [&](const auto& c) { return std::abs(c.second - (fit.a + fit.b * c.first)) > band.line_height / 4.0; });
  if (centers.size() >= 20) {
    std::tie(fit.a, fit.b) = fit_line(centers);
  }
  fit.pitch = median(gaps);
  // In perspective the pitch changes along the line, nearly linearly: fitted over the gaps of
  // one cell, it tells how many cells each gap spans (a merged or faint glyph leaves two).
  std::vector<std::pair<double, double>> one_cell;
  for (std::size_t i = 1; i < inside.size(); ++i) {
    if (gaps[i - 1] > 0.7 * fit.pitch && gaps[i - 1] < 1.3 * fit.pitch) {
      one_cell.emplace_back((inside[i]->cx + inside[i - 1]->cx) / 2, gaps[i - 1]);
    }
  }
  const auto [p0, p1] = fit_line(one_cell);
  for (std::size_t i = 1; i < inside.size(); ++i) {
    const double local = p0 + p1 * (inside[i]->cx + inside[i - 1]->cx) / 2;
    if (!(local > 0)) {
      return std::nullopt;
    }
    fit.cells += static_cast<int>(std::lround(gaps[i - 1] / local));
  }
  fit.first = Point{inside.front()->cx, fit.a + fit.b * inside.front()->cx};
  fit.last = Point{inside.back()->cx, fit.a + fit.b * inside.back()->cx};
  return fit;
}

// Whether a line's first and last glyphs are its cells 0 and 29.
bool spans_thirty_cells(const LineFit& line) {
  return line.cells == 29;
}

// Where the straight line through p and q meets y = a + b x.
std::optional<Point> meet(const Point& p, const Point& q, double a, double b) {
  // p + t (q - p) on y = a + b x: p.y + t dy = a + b (p.x + t dx).
  const double dx = q.x - p.x, dy = q.y - p.y;
  const double denominator = dy - b * dx;
  if (std::abs(denominator) < 1e-6) {
    return std::nullopt;
  }
  const double t = (a + b * p.x - p.y) / denominator;
  return Point{p.x + t * dx, p.y + t * dy};
}

// The MRZ block, upright and of one pitch: the image and the three lines' bands in it.
struct MrzBlock {
  PixPtr image;
  std::array<Box, 3> bands{};
  // Part of an end cell lies beyond the photo's edge (the block is padded white there): a
  // character the edge cuts cannot be told from one it hides, so no reading is accepted.
  bool beyond_photo = false;
};

// Whether a point of the upright image lies outside the photo as taken. Deskewing turned the
// photo by `radians` (Leptonica: clockwise positive) about its centre, bringing white in
// at the corners.
bool outside_photo(PIX* upright, double x, double y, double radians) {
  const double width = pixGetWidth(upright), height = pixGetHeight(upright);
  const double cx = width / 2, cy = height / 2, c = std::cos(radians), s = std::sin(radians);
  const double px = cx + (x - cx) * c + (y - cy) * s, py = cy - (x - cx) * s + (y - cy) * c;
  return px < 0 || py < 0 || px > width - 1 || py > height - 1;
}

struct PtaDeleter {
  void operator()(PTA* pta) const { ptaDestroy(&pta); }
};
using PtaPtr = std::unique_ptr<PTA, PtaDeleter>;

PtaPtr make_pta(const std::array<Point, 4>& points, double dx, double dy) {
  PtaPtr pta(ptaCreate(4));
  for (const auto& p : points) {
    ptaAddPt(pta.get(), static_cast<float>(p.x - dx), static_cast<float>(p.y - dy));
  }
  return pta;
}

// The block cut out of `gray` by the projective transform that takes the centres of line
// 1's and line 3's first and last characters onto a rectangle. Nullopt when the glyphs do
// not show the lines and their ends clearly; the caller then tries another candidate or
// reads without rectifying.
std::optional<MrzBlock> rectify_mrz(PIX* gray, const std::array<Box, 3>& bands,
                                    const std::array<std::vector<Glyph>, 3>& glyphs, double radians) {
  std::array<LineFit, 3> lines;
  for (std::size_t i = 0; i < 3; ++i) {
    auto fit = fit_mrz_line(glyphs[i], bands[i]);
    if (!fit) {
      return std::nullopt;
    }
    lines[i] = *fit;
  }
  // Three distinct lines, one above the other (a band may have caught its neighbour's glyphs).
  for (std::size_t i = 0; i < 2; ++i) {
    const double x = (lines[i].first.x + lines[i].last.x) / 2;
    if ((lines[i + 1].a + lines[i + 1].b * x) - (lines[i].a + lines[i].b * x) < bands[i].line_height) {
      return std::nullopt;
    }
  }
  // The block's left and right edges run through the ends of the lines whose first and last
  // glyphs are 29 cells apart (a glyph lost to glare or merged with its neighbour makes a
  // line fall short); its corners are where the edges meet lines 1 and 3.
  std::vector<const LineFit*> whole;
  for (const auto& line : lines) {
    if (spans_thirty_cells(line)) {
      whole.push_back(&line);
    }
  }
  if (whole.size() < 2) {
    return std::nullopt;
  }
  const LineFit &upper = *whole.front(), &lower = *whole.back();
  const auto top_left = meet(upper.first, lower.first, lines[0].a, lines[0].b);
  const auto top_right = meet(upper.last, lower.last, lines[0].a, lines[0].b);
  const auto bottom_right = meet(upper.last, lower.last, lines[2].a, lines[2].b);
  const auto bottom_left = meet(upper.first, lower.first, lines[2].a, lines[2].b);
  if (!top_left || !top_right || !bottom_right || !bottom_left) {
    return std::nullopt;
  }
  const std::array<Point, 4> source = {*top_left, *top_right, *bottom_right, *bottom_left};
  const auto length = [](const Point& p, const Point& q) { return std::hypot(q.x - p.x, q.y - p.y); };
  // The longer sides: no detail is lost to the rectification's scale.
  const double pitch = std::max(length(source[0], source[1]), length(source[3], source[2])) / 29;
  const double line_gap = std::max(length(source[0], source[3]), length(source[1], source[2])) / 2;
  const double glyph_height = median([&] {
                                std::vector<double> heights;
                                for (const auto& line : glyphs) {
                                  for (const auto& glyph : line) {
                                    heights.push_back(glyph.h);
                                  }
                                }
                                return heights;
                              }()) *
                              line_gap / ((length(source[0], source[3]) + length(source[1], source[2])) / 4);
  if (!(pitch > 4) || !(line_gap > glyph_height) || !(glyph_height > 4)) {
    return std::nullopt;
  }

  // The block with two pitches and one line gap of margin around the characters' centres.
  const double margin_x = 2 * pitch, margin_y = line_gap;
  const int width = static_cast<int>(std::ceil(29 * pitch + 2 * margin_x));
  const int height = static_cast<int>(std::ceil(2 * line_gap + 2 * margin_y));
  const std::array<Point, 4> target = {Point{margin_x, margin_y}, Point{margin_x + 29 * pitch, margin_y},
                                       Point{margin_x + 29 * pitch, margin_y + 2 * line_gap},
                                       Point{margin_x, margin_y + 2 * line_gap}};
  // Leptonica's transform writes an image the size of its source: the source is cut to the
  // block's surroundings and padded to at least the block's size.
  l_float32* to_source = nullptr;
  PtaPtr target_pta = make_pta(target, 0, 0), source_pta = make_pta(source, 0, 0);
  if (getProjectiveXformCoeffs(target_pta.get(), source_pta.get(), &to_source) != 0) {
    return std::nullopt;
  }
  double left = 1e9, top = 1e9, right = -1e9, bottom = -1e9;
  for (const auto& [x, y] : {std::pair{0, 0}, {width, 0}, {width, height}, {0, height}}) {
    l_float32 sx = 0, sy = 0;
    projectiveXformPt(to_source, x, y, &sx, &sy);
    left = std::min<double>(left, sx);
    right = std::max<double>(right, sx);
    top = std::min<double>(top, sy);
    bottom = std::max<double>(bottom, sy);
  }
  // The end cells of each line, a pitch wide and a line gap tall, and a quarter of a pitch
  // beyond, in the photo.
  bool beyond_photo = false;
  for (int line = 0; line < 3; ++line) {
    for (const double cell_x : {margin_x, margin_x + 29 * pitch}) {
      for (const double dx : {-0.75 * pitch, 0.75 * pitch}) {
        for (const double dy : {-line_gap / 2, line_gap / 2}) {
          l_float32 sx = 0, sy = 0;
          projectiveXformPt(to_source, static_cast<l_int32>(std::lround(cell_x + dx)),
                            static_cast<l_int32>(std::lround(margin_y + line * line_gap + dy)), &sx, &sy);
          beyond_photo = beyond_photo || outside_photo(gray, sx, sy, radians);
        }
      }
    }
  }
  LEPT_FREE(to_source);
  const int crop_x = std::clamp(static_cast<int>(left) - 2, 0, pixGetWidth(gray) - 1);
  const int crop_y = std::clamp(static_cast<int>(top) - 2, 0, pixGetHeight(gray) - 1);
  const int crop_w = std::clamp(static_cast<int>(right) + 3, crop_x + 1, pixGetWidth(gray)) - crop_x;
  const int crop_h = std::clamp(static_cast<int>(bottom) + 3, crop_y + 1, pixGetHeight(gray)) - crop_y;
  BOX* box = boxCreate(crop_x, crop_y, crop_w, crop_h);
  PixPtr crop(pixClipRectangle(gray, box, nullptr));
  boxDestroy(&box);
  PixPtr padded(
      crop ? pixAddBorderGeneral(crop.get(), 0, std::max(0, width - crop_w), 0, std::max(0, height - crop_h), 255)
           : nullptr);
  if (!padded) {
    return std::nullopt;
  }
  source_pta = make_pta(source, crop_x, crop_y);
  PixPtr warped(pixProjectivePtaGray(padded.get(), target_pta.get(), source_pta.get(), 255));
  box = boxCreate(0, 0, width, height);
  MrzBlock block{PixPtr(warped ? pixClipRectangle(warped.get(), box, nullptr) : nullptr), {}, beyond_photo};
  boxDestroy(&box);
  if (!block.image) {
    return std::nullopt;
  }
  const int band_h = static_cast<int>(std::lround(glyph_height));
  for (int i = 0; i < 3; ++i) {
    block.bands[i] =
        Box{static_cast<int>(margin_x - pitch / 2), static_cast<int>(margin_y + i * line_gap - band_h / 2.0),
            static_cast<int>(std::ceil(30 * pitch)), band_h, band_h};
  }
  return block;
}

// --- Reading the cells ----------------------------------------------------------------

constexpr const char* kLine1Whitelist = "IDMEX0123456789<";
constexpr const char* kLine2Whitelist = "0123456789HMEX<";
constexpr const char* kNameLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

// How a line is turned into an image for Tesseract; several are tried.
struct Rendering {
  int glyph_height;        // characters are scaled to this many pixels tall
  double cell_width;       // share of the pitch cut out per cell: the spacing Tesseract sees
  bool faint_ink = false;  // see kFaintInk
};

constexpr std::array<Rendering, 4> kRenderings = {{{32, 0.76}, {26, 0.80}, {40, 0.72}, {32, 0.86}}};

// The name line's letters are read once more with faint ink drawn dark. A specular
// highlight can wash out part of a letter: stretched to full range, the faint part falls
// below Tesseract's threshold and the rest reads as another letter — a U whose left stem
// the highlight faded read as a sure J in two renderings (phone-like set, seed 1, #870).
// Drawn dark, the faded stroke is there again; a letter that then reads differently was not
// read with certainty (faint_ink_image).
constexpr Rendering kFaintInk = {32, 0.80, true};
// Ink shallower than this (grey levels below the paper around it) is JPEG ringing or noise.
constexpr int kFaintInkNoise = 12;

constexpr int kBorder = 12;

// A cell with its ink drawn by depth below the paper around it (black top-hat, a
// structuring element wider than a stroke), each stroke against its own deepest part: ink
// as deep as the deepest within a stroke's width of it is black. A stroke a highlight faded
// is then as dark as the others, and no bolder: each stroke keeps its shape (drawing all
// ink past half the cell's deepest black made an I a T and broke an M's middle). Ink under
// a quarter of the cell's deepest is drawn lighter in proportion, so noise stays paper.
PixPtr faint_ink_image(PIX* scaled) {
  const int sel = (kFaintInk.glyph_height / 3) | 1;  // odd; a stroke is about a seventh of the height
  PixPtr bordered(pixAddMirroredBorder(scaled, sel, sel, sel, sel));
  PixPtr tophat(bordered ? pixTophat(bordered.get(), sel, sel, L_TOPHAT_BLACK) : nullptr);
  PixPtr depth(tophat ? pixRemoveBorder(tophat.get(), sel) : nullptr);
  const int near = (kFaintInk.glyph_height / 6) | 1;  // about a stroke's width
  PixPtr nearby(depth ? pixDilateGray(depth.get(), near, near) : nullptr);
  PixPtr drawn(nearby ? pixCreateTemplate(depth.get()) : nullptr);
  if (!drawn) {
    return nullptr;
  }
  l_uint32 deepest = 0;
  pixGetRankValue(depth.get(), 1, 0.98f, &deepest);
  const double floor = std::max<double>(kFaintInkNoise, deepest / 4.0);
  const int w = pixGetWidth(depth.get()), h = pixGetHeight(depth.get());
  const int wpl = pixGetWpl(depth.get());
  const l_uint32* depth_data = pixGetData(depth.get());
  const l_uint32* nearby_data = pixGetData(nearby.get());
  l_uint32* drawn_data = pixGetData(drawn.get());
  for (int y = 0; y < h; ++y) {
    const std::ptrdiff_t line = static_cast<std::ptrdiff_t>(y) * wpl;
    for (int x = 0; x < w; ++x) {
      const double ink = GET_DATA_BYTE(depth_data + line, x);
      const double reference = std::max<double>(floor, GET_DATA_BYTE(nearby_data + line, x));
      SET_DATA_BYTE(drawn_data + line, x,
                    static_cast<l_uint32>(std::lround(255 * (1 - std::min(1.0, ink / reference)))));
    }
  }
  return drawn;
}

// One cell cut out of the upright image, scaled, its contrast stretched to full range
// (light varies along a line, so per cell). Null when the cell lies outside the image.
PixPtr cell_image(PIX* gray, const LineGrid& grid, int cell, const Rendering& rendering) {
  const Glyph* glyph = grid.glyph_in_cell[cell];
  const double cx = glyph && !rendering.faint_ink ? glyph->cx : grid.x0 + grid.pitch * cell;
  const double cy = grid.y0 + grid.slope * cx;
  const int w = std::max(3, static_cast<int>(std::lround(grid.pitch * rendering.cell_width)));
  const int h = std::max(3, static_cast<int>(std::lround(grid.glyph_height * 1.4)));
  const int left = static_cast<int>(std::lround(cx - w / 2.0));
  const int top = static_cast<int>(std::lround(cy - h / 2.0));
  if (left < 0 || top < 0 || left + w > pixGetWidth(gray) || top + h > pixGetHeight(gray)) {
    return nullptr;
  }
  BOX* box = boxCreate(left, top, w, h);
  PixPtr crop(pixClipRectangle(gray, box, nullptr));
  boxDestroy(&box);
  if (!crop) {
    return nullptr;
  }
  const float scale = static_cast<float>(rendering.glyph_height / grid.glyph_height);
  PixPtr scaled(pixScale(crop.get(), scale, scale));
  if (!scaled) {
    return nullptr;
  }
  l_uint32 dark = 0, light = 0;
  pixGetRankValue(scaled.get(), 1, 0.02f, &dark);
  pixGetRankValue(scaled.get(), 1, 0.98f, &light);
  if (light <= dark + 10) {
    return nullptr;  // no contrast: nothing printed here
  }
  // Linear (gamma 1): dark -> 0, light -> 255, clipped beyond.
  const auto low = static_cast<l_int32>(dark), high = std::min<l_int32>(static_cast<l_int32>(light), 255);
  if (rendering.faint_ink) {
    return faint_ink_image(scaled.get());
  }
  return PixPtr(pixGammaTRC(nullptr, scaled.get(), 1.0f, low, high));
}

// How dark a cell's ink is against its paper in the image itself (before any stretching):
// the 98th minus the 2nd percentile of its grey values. A reflection lifts the ink towards
// the paper, and stretching such a cell to full range makes noise and JPEG ringing look
// like strokes.
double cell_contrast(PIX* gray, const LineGrid& grid, int cell) {
  const Glyph* glyph = grid.glyph_in_cell[cell];
  const double cx = glyph ? glyph->cx : grid.x0 + grid.pitch * cell;
  const double cy = grid.y0 + grid.slope * cx;
  const int w = std::max(3, static_cast<int>(std::lround(grid.pitch * 0.8)));
  const int h = std::max(3, static_cast<int>(std::lround(grid.glyph_height * 1.4)));
  BOX* box = boxCreate(static_cast<int>(std::lround(cx - w / 2.0)), static_cast<int>(std::lround(cy - h / 2.0)), w, h);
  PixPtr crop(pixClipRectangle(gray, box, nullptr));
  boxDestroy(&box);
  if (!crop) {
    return 0;
  }
  l_uint32 dark = 0, light = 0;
  pixGetRankValue(crop.get(), 1, 0.02f, &dark);
  pixGetRankValue(crop.get(), 1, 0.98f, &light);
  return static_cast<double>(light) - static_cast<double>(dark);
}

// A line's 30 cell images, cut at one rendering.
using LineCells = std::array<PixPtr, 30>;

std::optional<LineCells> cut_cells(PIX* gray, const LineGrid& grid, const Rendering& rendering) {
  LineCells cells;
  for (int cell = 0; cell < 30; ++cell) {
    cells[cell] = cell_image(gray, grid, cell, rendering);
    if (!cells[cell]) {
      return std::nullopt;
    }
  }
  return cells;
}

// Below this confidence (Tesseract's, 0–100) a character is checked by reading its cell
// alone. Sure readings are 95–99; a J read at 30–36 in "JUANA" once went with a U
// misplaced into the next cell.
constexpr float kSureConfidence = 60;

// An unsure cell read with Unsure::kMarked: never a character a line may hold.
constexpr char kUnsureCell = '?';
enum class Unsure { kFails, kMarked };

// Tesseract on the chosen cells set side by side on white; each character goes into the
// cell under its centre. A cell left with no character or with several is read again
// alone. The characters of the chosen cells in order, or nullopt when any cell still
// does not give exactly one; with Unsure::kMarked, such a cell reads as kUnsureCell instead.
std::optional<std::string> read_cells(OcrEngine& engine, const LineCells& cells, const std::vector<int>& chosen,
                                      const char* whitelist, Unsure unsure = Unsure::kFails) {
  if (chosen.empty()) {
    return std::string();
  }
  int width = 2 * kBorder, height = 0;
  for (const int cell : chosen) {
    width += pixGetWidth(cells[cell].get());
    height = std::max(height, pixGetHeight(cells[cell].get()));
  }
  PixPtr line(pixCreate(width, height + 2 * kBorder, 8));
  if (!line) {
    return std::nullopt;
  }
  pixSetAll(line.get());
  std::vector<int> starts;  // chosen[i] spans [starts[i], starts[i + 1])
  int x = kBorder;
  for (const int cell : chosen) {
    PIX* image = cells[cell].get();
    starts.push_back(x);
    pixRasterop(line.get(), x, kBorder, pixGetWidth(image), pixGetHeight(image), PIX_SRC, image, 0, 0);
    x += pixGetWidth(image);
  }
  starts.push_back(x);

  const auto symbols = engine.read(line.get(), whitelist, tesseract::PSM_SINGLE_LINE);
  // One character per cell is the usual case: they go to the cells in order, as long as
  // each lies no further than half a cell outside its own (a wide or shifted box would
  // put two in one cell by its centre). Otherwise each goes to the cell under its centre.
  std::vector<std::vector<Symbol>> read(chosen.size());
  const auto in_order = [&] {
    if (symbols.size() != chosen.size()) {
      return false;
    }
    for (std::size_t slot = 0; slot < chosen.size(); ++slot) {
      const int center = (symbols[slot].left + symbols[slot].right) / 2;
      const int half = (starts[slot + 1] - starts[slot]) / 2;
      if (center < starts[slot] - half || center > starts[slot + 1] + half) {
        return false;
      }
    }
    return true;
  }();
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const int center = (symbols[i].left + symbols[i].right) / 2;
    const long slot = in_order
                          ? static_cast<long>(i)
                          : std::distance(starts.begin(), std::upper_bound(starts.begin(), starts.end(), center)) - 1;
    if (slot >= 0 && slot < static_cast<long>(chosen.size())) {
      read[slot].push_back(symbols[i]);
    }
  }
  // A cell with no character, several, or one Tesseract is unsure of, is read again
  // alone; alone it must give one sure character, the same as in the line if there was one.
  std::string text;
  for (std::size_t slot = 0; slot < chosen.size(); ++slot) {
    const auto& in_line = read[slot];
    if (in_line.size() == 1 && in_line.front().confidence >= kSureConfidence) {
      text.push_back(in_line.front().c);
      continue;
    }
    PixPtr alone(pixAddBorder(cells[chosen[slot]].get(), kBorder, 0xff));
    const auto again = alone ? engine.read(alone.get(), whitelist, tesseract::PSM_SINGLE_CHAR) : std::vector<Symbol>{};
    if (again.size() != 1 || again.front().confidence < kSureConfidence ||
        (in_line.size() == 1 && in_line.front().c != again.front().c)) {
      if (unsure == Unsure::kFails) {
        return std::nullopt;
      }
      text.push_back(kUnsureCell);
      continue;
    }
    text.push_back(again.front().c);
  }
  return text;
}

std::vector<int> all_cells() {
  std::vector<int> cells(30);
  for (int cell = 0; cell < 30; ++cell) {
    cells[cell] = cell;
  }
  return cells;
}

// --- Checking a cell against the '<' of the same photo ----------------------------------

// The Pearson correlation of two grey images, the second shifted by up to `shift` pixels
// each way, over their overlap; the best over the shifts.
double best_correlation(PIX* a, PIX* b, int shift) {
  const int aw = pixGetWidth(a), ah = pixGetHeight(a), bw = pixGetWidth(b), bh = pixGetHeight(b);
  const l_uint32* a_data = pixGetData(a);
  const l_uint32* b_data = pixGetData(b);
  const int a_wpl = pixGetWpl(a), b_wpl = pixGetWpl(b);
  // Centred on each other, then shifted.
  const int base_dx = (aw - bw) / 2, base_dy = (ah - bh) / 2;
  double best = -1;
  for (int dy = -shift; dy <= shift; ++dy) {
    for (int dx = -shift; dx <= shift; ++dx) {
      const int ox = base_dx + dx, oy = base_dy + dy;  // b's (0,0) in a's coordinates
      const int x0 = std::max(0, ox), y0 = std::max(0, oy);
      const int x1 = std::min(aw, ox + bw), y1 = std::min(ah, oy + bh);
      if (x1 - x0 < aw / 2 || y1 - y0 < ah / 2) {
        continue;
      }
      double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (int y = y0; y < y1; ++y) {
        const l_uint32* a_line = a_data + static_cast<std::ptrdiff_t>(y) * a_wpl;
        const l_uint32* b_line = b_data + static_cast<std::ptrdiff_t>(y - oy) * b_wpl;
        for (int x = x0; x < x1; ++x) {
          const double va = GET_DATA_BYTE(a_line, x), vb = GET_DATA_BYTE(b_line, x - ox);
          sa += va;
          sb += vb;
          saa += va * va;
          sbb += vb * vb;
          sab += va * vb;
        }
      }
      const double n = static_cast<double>(x1 - x0) * (y1 - y0);
      const double var_a = saa - sa * sa / n, var_b = sbb - sb * sb / n;
      if (var_a > 0 && var_b > 0) {
        best = std::max(best, (sab - sa * sb / n) / std::sqrt(var_a * var_b));
      }
    }
  }
  return best;
}

// The '<' filler and '0' weigh the same (0) in a check digit, so no check digit tells a
// '<' from a '0' or a letter in the cells where both may stand: the optional data of
// line 2 and the whole name line. And Tesseract's model reads OCR-B's '<' poorly, as K
// or X, the more so in long runs. Those cells are told apart by comparing them with the
// photo's own '<' glyphs, line 1's cells 15 and 16 (always "<<"), cut at the same
// rendering. Over 4,700 cells of generated photos a '<' correlated with them at 0.83 or
// more, a letter or digit at 0.67 or less, K (the closest, a '<' with a stem) at 0.71 or
// less. Between the two bounds below a cell is neither, and the rendering is not used.
constexpr double kFillerAtLeast = 0.80;
constexpr double kOtherAtMost = 0.75;
// Between the two, a cell whose main blob has a stem on its left (left_stem_share) is a
// character: '<' has none.
constexpr double kStemAtLeast = 0.8;

enum class CellKind { kFiller, kCharacter, kUnsure };

// How much of the rows of a cell's main ink blob have ink in its left quarter: a letter
// with a stem on its left (K, the closest to '<') nearly all of them, '<' (its point on
// the left) about a third. Phone-like set, seed 1, #0-199, name lines: '<' 0.22-0.46 over
// 3,612 cells, K 0.94-1.0 over 56; a K blurred to 0.75-0.76 likeness with the '<' once
// left a name line unread in every rendering.
double left_stem_share(PIX* cell) {
  PixPtr binary(pixThresholdToBinary(cell, 128));
  PIXA* components = nullptr;
  BoxaPtr boxa(binary ? pixConnComp(binary.get(), &components, 8) : nullptr);
  const int count = boxa ? boxaGetCount(boxa.get()) : 0;
  int best = -1, best_area = 0;
  for (int i = 0; i < count; ++i) {
    int x = 0, y = 0, w = 0, h = 0;
    boxaGetBoxGeometry(boxa.get(), i, &x, &y, &w, &h);
    if (w * h > best_area) {
      best_area = w * h;
      best = i;
    }
  }
  double share = 0;
  if (best >= 0) {
    PixPtr blob(pixaGetPix(components, best, L_CLONE));
    const int w = pixGetWidth(blob.get()), h = pixGetHeight(blob.get());
    const l_uint32* data = pixGetData(blob.get());
    const int wpl = pixGetWpl(blob.get());
    int rows = 0;
    for (int y = 0; y < h; ++y) {
      const l_uint32* row = data + static_cast<std::ptrdiff_t>(y) * wpl;
      for (int x = 0; x < std::max(1, w / 4); ++x) {
        if (GET_DATA_BIT(row, x)) {
          ++rows;
          break;
        }
      }
    }
    share = h > 0 ? static_cast<double>(rows) / h : 0;
  }
  pixaDestroy(&components);
  return share;
}

CellKind classify_cell(PIX* cell, const std::array<PixPtr, 2>& fillers) {
  double likeness = -1;
  for (const auto& filler : fillers) {
    likeness = std::max(likeness, best_correlation(cell, filler.get(), 2));
  }
  if (likeness >= kFillerAtLeast) {
    return CellKind::kFiller;
  }
  if (likeness <= kOtherAtMost || left_stem_share(cell) >= kStemAtLeast) {
    return CellKind::kCharacter;
  }
  return CellKind::kUnsure;
}

// Whether Tesseract's reading of cells first..last agrees, '<' or not, with the fillers.
bool fillers_agree(const LineCells& cells, std::string_view text, int first_cell, int last_cell,
                   const std::array<PixPtr, 2>& fillers) {
  for (int cell = first_cell; cell <= last_cell; ++cell) {
    const CellKind kind = classify_cell(cells[cell].get(), fillers);
    if (kind != (text[cell] == '<' ? CellKind::kFiller : CellKind::kCharacter)) {
      return false;
    }
  }
  return true;
}

// --- The name line ----------------------------------------------------------------
//
// No check digit covers line 3. Its '<' cells are found by likeness to the photo's own
// '<' (classify_cell); only the other cells go to Tesseract, as letters. A reading is
// accepted only when
//  - every cell is clearly a '<' or clearly not;
//  - it has the name line's shape: surnames, "<<", given names, '<' padding;
//  - a second rendering reads it identically.

std::optional<std::string> read_name_line(OcrEngine& engine, const LineCells& cells,
                                          const std::array<PixPtr, 2>& fillers) {
  std::string text(30, '<');
  std::vector<int> letters;
  for (int cell = 0; cell < 30; ++cell) {
    const CellKind kind = classify_cell(cells[cell].get(), fillers);
    if (kind == CellKind::kUnsure) {
      return std::nullopt;
    }
    if (kind == CellKind::kCharacter) {
      letters.push_back(cell);
    }
  }
  const auto read = read_cells(engine, cells, letters, kNameLetters);
  if (!read) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < letters.size(); ++i) {
    text[letters[i]] = (*read)[i];
  }
  return text;
}

// A name-line letter is checked with kFaintInk when its cell's contrast is below this
// share of the MRZ's usual (the median over its 90 cells). Phone-like set, seed 1: the U
// read as a J (#870) had 40 %, an I under a highlight read as an L (#713) less than 75 %.
// Not every letter: with the tile-wise stretch kFaintInk once was, checking all letters
// read 183 of 250 phone-like photos instead of 221 (bench/README.md).
constexpr double kFaintCellContrast = 0.75;

// Whether the name line's faint letters read the same from kFaintInk cells.
bool faint_ink_agrees(OcrEngine& engine, PIX* gray, const std::array<LineGrid, 3>& grids,
                      const std::string& name_line) {
  std::vector<double> contrasts;
  for (const auto& grid : grids) {
    for (int cell = 0; cell < 30; ++cell) {
      contrasts.push_back(cell_contrast(gray, grid, cell));
    }
  }
  const double usual = median(contrasts);
  std::vector<int> faint_letters;
  for (int cell = 0; cell < 30; ++cell) {
    if (name_line[cell] != '<' && contrasts[60 + cell] < kFaintCellContrast * usual) {
      faint_letters.push_back(cell);
    }
  }
  if (faint_letters.empty()) {
    return true;
  }
  // Read with all the line's letters around them, as the renderings read them: a letter
  // alone in a line is read less surely (an O of full shape once gave no sure reading).
  std::vector<int> letters;
  for (int cell = 0; cell < 30; ++cell) {
    if (name_line[cell] != '<') {
      letters.push_back(cell);
    }
  }
  const auto cells = cut_cells(gray, grids[2], kFaintInk);
  const auto read = cells ? read_cells(engine, *cells, letters, kNameLetters, Unsure::kMarked) : std::nullopt;
  if (!read) {
    return false;
  }
  // An unsure faint letter reads as kUnsureCell, never a letter: it disagrees too.
  return std::all_of(faint_letters.begin(), faint_letters.end(), [&](int cell) {
    return (*read)[std::find(letters.begin(), letters.end(), cell) - letters.begin()] == name_line[cell];
  });
}

bool has_name_line_shape(const std::string& line) {
  if (line == std::string(30, '<')) {
    return true;
  }
  // [A-Z]+(<[A-Z]+)*<<[A-Z]+(<[A-Z]+)*<* , or surnames alone followed by padding.
  const auto end = line.find_last_not_of('<');
  const std::string_view names = std::string_view(line).substr(0, end + 1);
  const auto separator = names.find("<<");
  return names.front() != '<' && names.find("<<<") == std::string_view::npos &&
         (separator == std::string_view::npos || names.find("<<", separator + 2) == std::string_view::npos);
}

MrzReading unreadable(ReadFailure failure, std::string detail) {
  return MrzReading{std::nullopt, failure, std::move(detail)};
}

// The MRZ's three lines in an upright image: the image the cells are cut from, the lines'
// bands and glyphs in it.
struct FoundMrz {
  PIX* image = nullptr;
  std::array<Box, 3> bands{};
  std::array<std::vector<Glyph>, 3> glyphs;
  bool at_edge = false;     // a line touches the photo's edge: the MRZ may be cut off
  double glyph_height = 0;  // in the working image, before any rectification
  double radians = 0;       // the deskewing turn of `image` when not rectified
  bool rectified = false;   // `image` is an MrzBlock's (which knows its own edges)
};

// --- Why a found MRZ was not read --------------------------------------------------------
//
// Measured on the MRZ's lines only once no reading passed, to tell the person what to change.

// Below this many pixels tall (in the image the reader works on) characters lose the
// strokes that tell 8 from B; a photo from closer up reads.
constexpr double kMinGlyphHeight = 10;
// A washed-out stretch: a column of a line with less than this share of the line's usual
// contrast, on a background lighter than usual (a reflection lifts both ink and paper).
constexpr double kWashedOutContrast = 0.4;
// Soft edges: the steepest step between neighbouring pixels spreads an edge over this share
// of a character's height or more (a sharp print edge takes one or two pixels).
constexpr double kBlurredEdgeShare = 0.2;

struct LineQuality {
  int washed_out_columns = 0;
  double edge_width = 0;       // pixels over which ink turns into paper
  double burnt_out_share = 0;  // of the lines' rows, as far as whole lines reach: at the sensor's white
  double usual_light = 0;      // the paper's grey, the median over the columns
  double sharpness = 0;        // variance of the Laplacian over the squared ink contrast
};

l_uint32 rank_value(PIX* pix, float rank) {
  l_uint32 value = 0;
  pixGetRankValue(pix, 1, rank, &value);
  return value;
}

LineQuality measure_lines(PIX* image, const std::array<Box, 3>& bands) {
  struct Column {
    double contrast, light;
  };
  std::vector<Column> columns;
  std::vector<double> steps, contrasts;
  for (const Box& band : bands) {
    for (int k = 0; k < 30; ++k) {
      const int x = band.x + band.w * k / 30, w = std::max(1, band.w / 30);
      BOX* box = boxCreate(x, band.y, w, band.h);
      PixPtr column(pixClipRectangle(image, box, nullptr));
      boxDestroy(&box);
      if (!column) {
        continue;
      }
      const double dark = rank_value(column.get(), 0.03f), light = rank_value(column.get(), 0.97f);
      columns.push_back({light - dark, light});
      // The steepest horizontal step in the column.
      int steepest = 0;
      const l_uint32* data = pixGetData(column.get());
      const int wpl = pixGetWpl(column.get());
      for (int y = 0; y < pixGetHeight(column.get()); ++y) {
        const l_uint32* row = data + static_cast<std::ptrdiff_t>(y) * wpl;
        for (int i = 1; i < pixGetWidth(column.get()); ++i) {
          steepest = std::max(steepest, std::abs(static_cast<int>(GET_DATA_BYTE(row, i)) -
                                                 static_cast<int>(GET_DATA_BYTE(row, i - 1))));
        }
      }
      if (light - dark > 0) {
        steps.push_back((light - dark) / std::max(1, steepest));
      }
    }
  }
  LineQuality quality;
  if (columns.empty()) {
    return quality;
  }
  std::vector<double> lights;
  contrasts.reserve(columns.size());
  lights.reserve(columns.size());
  for (const auto& column : columns) {
    contrasts.push_back(column.contrast);
    lights.push_back(column.light);
  }
  const double usual_contrast = median(contrasts), usual_light = median(lights);
  for (const auto& column : columns) {
    quality.washed_out_columns +=
        column.contrast < kWashedOutContrast * usual_contrast && column.light >= usual_light ? 1 : 0;
  }
  quality.edge_width = median(std::move(steps));
  quality.usual_light = usual_light;
  long burnt_out = 0, row_pixels = 0, pixels = 0;
  double lap_sum = 0, lap_sq = 0;
  for (const Box& band : bands) {
    // A line broken by a reflection was found shorter than its 30 characters (about 29 of
    // its character heights): its rows are measured that far beyond each end.
    const int missing = std::max(0, 29 * band.line_height - band.w);
    const int row_left = std::max(0, band.x - missing);
    const int row_right = std::min(pixGetWidth(image), band.x + band.w + missing);
    BOX* box = boxCreate(row_left, band.y, row_right - row_left, band.h);
    PixPtr crop(pixClipRectangle(image, box, nullptr));
    boxDestroy(&box);
    if (!crop) {
      continue;
    }
    const l_uint32* data = pixGetData(crop.get());
    const int wpl = pixGetWpl(crop.get()), w = pixGetWidth(crop.get()), h = pixGetHeight(crop.get());
    const int band_left = band.x - row_left, band_right = band_left + band.w;
    const auto at = [&](int x, int y) {
      return static_cast<int>(GET_DATA_BYTE(data + static_cast<std::ptrdiff_t>(y) * wpl, x));
    };
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        burnt_out += at(x, y) >= static_cast<int>(kBurntOut) ? 1 : 0;
        ++row_pixels;
        if (x > band_left && x + 1 < band_right && x + 1 < w && y > 0 && y + 1 < h) {
          const double lap = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y);
          lap_sum += lap;
          lap_sq += lap * lap;
          ++pixels;
        }
      }
    }
  }
  // Paper already at the sensor's white is an exposure, not a reflection.
  if (row_pixels > 0 && usual_light < kBurntOut) {
    quality.burnt_out_share = static_cast<double>(burnt_out) / row_pixels;
  }
  if (pixels > 0) {
    const double mean = lap_sum / pixels, variance = lap_sq / pixels - mean * mean;
    quality.sharpness = usual_contrast > 0 ? variance / (usual_contrast * usual_contrast) : 1;
  }
  return quality;
}

// A reflection over the lines: at least this many of their character columns washed out.
constexpr int kWashedOutColumns = 2;
// Soft focus: the variance of the Laplacian over the lines, per squared ink contrast,
// below this (focused photos of the phone-like set measure 0.04-0.17, photos blurred
// past reading 0.002-0.004).
constexpr double kBlurredSharpness = 0.01;

// Whether each of the lines holds at least 20 characters evenly spaced, as an MRZ's
// monospaced lines do even where an edge of the photo cuts them (a printed page's words,
// a keyboard's 14 keys a row do not): four in five neighbours a median step apart, ± 25 %.
bool monospaced_lines(const FoundMrz& found) {
  return std::all_of(found.glyphs.begin(), found.glyphs.end(), [](const std::vector<Glyph>& glyphs) {
    if (glyphs.size() < 20) {
      return false;
    }
    std::vector<double> xs;
    xs.reserve(glyphs.size());
    for (const auto& glyph : glyphs) {
      xs.push_back(glyph.cx);
    }
    std::sort(xs.begin(), xs.end());
    std::vector<double> steps;
    for (std::size_t i = 1; i < xs.size(); ++i) {
      steps.push_back(xs[i] - xs[i - 1]);
    }
    const double step = median(steps);
    const auto even =
        std::count_if(steps.begin(), steps.end(), [&](double d) { return d >= 0.75 * step && d <= 1.25 * step; });
    return step > 0 && even * 5 >= static_cast<long>(steps.size()) * 4;
  });
}

// Why an MRZ that was found gave no accepted reading, most actionable first. `on_grid`:
// every line's characters were placed on 30 cells (an MRZ's, not a line of print).
MrzReading explain_failure(const FoundMrz& found, bool on_grid, bool check_digits_failed,
                           const std::string& last_problem) {
  if (found.at_edge && monospaced_lines(found)) {
    return unreadable(ReadFailure::kCutOff, "MRZ found at an edge of the photo, cut off");
  }
  if (found.glyph_height < kMinGlyphHeight) {
    return unreadable(ReadFailure::kTooSmall, "MRZ found but its characters are too small to read");
  }
  const LineQuality quality = measure_lines(found.image, found.bands);
  const auto glare = [&] {
    return unreadable(ReadFailure::kGlare, "MRZ found but a reflection washes out " +
                                               std::to_string(quality.washed_out_columns) +
                                               " of its 90 character columns (burnt out: " +
                                               std::to_string(std::lround(quality.burnt_out_share * 100)) + " %)");
  };
  const auto blurred = [] {
    return unreadable(ReadFailure::kBlurred, "MRZ found but its characters are too blurred to read");
  };
  if (on_grid && quality.washed_out_columns >= kWashedOutColumns) {
    return glare();
  }
  if (quality.edge_width >= kBlurredEdgeShare * found.glyph_height) {
    return blurred();
  }
  // Characters legible enough to be read, but not right: the photo is as good as it gets
  // for these measures, and the check digits say what failed.
  if (check_digits_failed) {
    return unreadable(ReadFailure::kCheckDigits,
                      "MRZ read but its check digits do not hold (last: " + last_problem + ")");
  }
  if (quality.burnt_out_share >= kBurntOutShare) {
    return glare();
  }
  if (quality.sharpness < kBlurredSharpness) {
    return blurred();
  }
  if (!on_grid && !monospaced_lines(found)) {
    return unreadable(ReadFailure::kMrzNotFound,
                      "three lines found, but their characters are not an MRZ's evenly spaced ones");
  }
  return unreadable(ReadFailure::kMrzUnclear,
                    "MRZ found but no reading passed every check (last: " + last_problem + ")");
}

// --- Reading the found MRZ ------------------------------------------------------------

// Whether a band in the upright image comes within a character and a half of the photo's
// edge (a character the edge cuts in part is not part of the band).
// Deskewing turned the photo by `radians` (Leptonica: clockwise positive) about its centre
// and brought white in at the corners, so the band's corners are turned back first.
bool near_photo_edge(PIX* upright, const Box& band, double radians) {
  const double width = pixGetWidth(upright), height = pixGetHeight(upright);
  const double cx = width / 2, cy = height / 2, c = std::cos(radians), s = std::sin(radians);
  const double margin = std::max(band.h / 2.0, 1.5 * band.line_height);
  for (const auto& [x, y] : {std::pair<double, double>{band.x, band.y},
                             {band.x + band.w, band.y},
                             {band.x, band.y + band.h},
                             {band.x + band.w, band.y + band.h}}) {
    const double px = cx + (x - cx) * c + (y - cy) * s, py = cy - (x - cx) * s + (y - cy) * c;
    if (px <= margin || py <= margin || px >= width - margin || py >= height - margin) {
      return true;
    }
  }
  return false;
}

// The lines of a candidate found on the reduced copy, in the upright image.
FoundMrz locate_lines(PIX* upright, const std::array<Box, 3>& detected, float reduce, double radians) {
  FoundMrz found;
  found.image = upright;
  found.radians = radians;
  std::vector<double> heights;
  for (std::size_t i = 0; i < 3; ++i) {
    const Box& b = detected[i];
    Box& band = found.bands[i];
    band = Box{static_cast<int>(b.x / reduce),
               static_cast<int>(b.y / reduce),
               static_cast<int>(std::ceil(b.w / reduce)),
               static_cast<int>(std::ceil(b.h / reduce)),
               static_cast<int>(std::lround(b.line_height / reduce)),
               b.has_centre,
               b.centre_a / reduce,
               b.centre_b};
    found.glyphs[i] = line_glyphs(upright, band);
    for (const auto& glyph : found.glyphs[i]) {
      heights.push_back(glyph.h);
    }
    found.at_edge = found.at_edge || near_photo_edge(upright, band, radians);
  }
  found.glyph_height = median(std::move(heights));
  return found;
}

MrzReading read_found_mrz(OcrEngine& engine, const FoundMrz& found) {
  PIX* const image = found.image;
  const auto explain = [&](bool check_digits_failed, const std::string& last_problem, bool on_grid = true) {
    return explain_failure(found, on_grid, check_digits_failed, last_problem);
  };
  const double pitch = estimate_pitch(found.glyphs, found.bands);
  std::array<LineGrid, 3> grids;
  for (std::size_t i = 0; i < 3; ++i) {
    auto grid = fit_line_grid(found.glyphs[i], pitch);
    if (!grid) {
      return explain(false, "characters not placed on the 30-cell grid", false);
    }
    grids[i] = *grid;
  }
  // grid.glyph_in_cell points into found.glyphs[i], which outlives every use below.
  // A character the photo's edge cuts cannot be told from one it hides: every line's end
  // cells, a pitch wide, and a quarter of a pitch beyond must lie inside the photo.
  if (!found.rectified) {
    for (const auto& grid : grids) {
      for (const double x : {grid.x0 - 0.75 * grid.pitch, grid.x0 + 29.75 * grid.pitch}) {
        if (outside_photo(image, x, grid.y0 + grid.slope * x, found.radians)) {
          return unreadable(ReadFailure::kCutOff, "MRZ found, its first or last characters cut by the photo's edge");
        }
      }
    }
  }

  std::string last_problem = "no reading";
  bool check_digits_failed = false;
  std::optional<ine::Mrz> numbers;  // lines 1 and 2, once their check digits hold
  std::optional<std::string> name_line;
  for (const Rendering& rendering : kRenderings) {
    const std::array<PixPtr, 2> fillers = {cell_image(image, grids[0], 15, rendering),
                                           cell_image(image, grids[0], 16, rendering)};
    if (!fillers[0] || !fillers[1]) {
      last_problem = "characters";
      continue;
    }
    if (!numbers) {
      const auto line1 = cut_cells(image, grids[0], rendering);
      const auto line2 = cut_cells(image, grids[1], rendering);
      const auto text1 = line1 ? read_cells(engine, *line1, all_cells(), kLine1Whitelist) : std::nullopt;
      const auto text2 = line2 ? read_cells(engine, *line2, all_cells(), kLine2Whitelist) : std::nullopt;
      if (!text1 || !text2) {
        last_problem = "characters";
        continue;
      }
      // A blank name line: the check digits of lines 1 and 2 validate them on their own.
      auto parse = ine::parse_mrz_reading(*text1 + "\n" + *text2 + "\n" + std::string(30, '<'));
      if (!parse.ok()) {
        last_problem = std::string(ine::mrz_error_code(parse.error->kind));
        check_digits_failed = last_problem.find("check_digit") != std::string::npos;
        continue;
      }
      if (!fillers_agree(*line2, parse.mrz->line2, 18, 28, fillers)) {
        last_problem = "optional data fillers";
        continue;
      }
      numbers = std::move(parse.mrz);
      check_digits_failed = false;
    }
    const auto line3 = cut_cells(image, grids[2], rendering);
    const auto text3 = line3 ? read_name_line(engine, *line3, fillers) : std::nullopt;
    if (!text3 || !has_name_line_shape(*text3)) {
      last_problem = "name line";
      continue;
    }
    if (!name_line) {
      name_line = text3;  // the first reading; a second rendering must agree
      continue;
    }
    if (*name_line != *text3) {
      // Two renderings of one photo read different names: neither is trusted, even if a
      // third sided with one of them.
      return explain(false, "name line reads differently in two renderings");
    }
    if (!faint_ink_agrees(engine, image, grids, *name_line)) {
      return explain(false, "name line reads differently with faint ink drawn dark");
    }
    auto parse = ine::parse_mrz(numbers->line1 + "\n" + numbers->line2 + "\n" + *name_line);
    if (parse.ok()) {
      return MrzReading{std::move(parse.mrz), ReadFailure::kNone, {}};
    }
    last_problem = std::string(ine::mrz_error_code(parse.error->kind));
  }
  return explain(check_digits_failed, last_problem);
}

// Reads the first MRZ-like candidate that can be read: `candidates` are bands in the
// detection copy, `reduce` times the size of `upright`, which deskewing turned by `radians`.
MrzReading read_candidates(OcrEngine& engine, PIX* upright, const std::vector<std::array<Box, 3>>& candidates,
                           float reduce, double radians) {
  // Clutter (a keyboard's rows, a printed page) can stack three lines of MRZ shape too, lower
  // in the photo than the card: the first candidate whose lines show 30 characters' ends
  // (it can be rectified), else the first with 20 characters on each line, else the first.
  std::optional<FoundMrz> found, fallback;
  std::optional<MrzBlock> block;
  bool cut_off_mrz = false;  // a candidate of monospaced lines ran to the photo's edge
  for (const auto& candidate : candidates) {
    FoundMrz lines = locate_lines(upright, candidate, reduce, radians);
    block = rectify_mrz(upright, lines.bands, lines.glyphs, radians);
    if (block) {
      found = std::move(lines);
      break;
    }
    const bool twenty_each =
        std::all_of(lines.glyphs.begin(), lines.glyphs.end(), [](const auto& glyphs) { return glyphs.size() >= 20; });
    cut_off_mrz = cut_off_mrz || (lines.at_edge && monospaced_lines(lines));
    if (!fallback && twenty_each) {
      fallback = std::move(lines);
    }
  }
  if (block) {
    // In perspective the lines' pitch changes along them: read from the rectified block.
    found->image = block->image.get();
    found->bands = block->bands;
    found->rectified = true;
    for (std::size_t i = 0; i < 3; ++i) {
      found->glyphs[i] = line_glyphs(found->image, found->bands[i]);
    }
  } else {
    found = fallback ? std::move(fallback) : locate_lines(upright, candidates.front(), reduce, radians);
  }
  const auto cut_off = [] {
    return unreadable(ReadFailure::kCutOff, "MRZ found, its first or last characters cut by the photo's edge");
  };
  auto reading = read_found_mrz(engine, *found);
  if (reading.mrz && block && block->beyond_photo) {
    return cut_off();
  }
  if (reading.mrz || !(reading.failure == ReadFailure::kMrzUnclear || reading.failure == ReadFailure::kGlare ||
                       reading.failure == ReadFailure::kBlurred || reading.failure == ReadFailure::kMrzNotFound)) {
    return reading;
  }
  // Glare, a shadow or soft print: the glyphs found once more with the contrast stretched
  // tile by tile, and the block rectified from them if the first glyphs did not show its
  // corners. Not the first choice: it also lifts paper texture and JPEG ringing.
  const auto normalized_glyphs = [&] {
    for (std::size_t i = 0; i < 3; ++i) {
      found->glyphs[i] = line_glyphs(found->image, found->bands[i], Contrast::kNormalizedLocally);
    }
  };
  normalized_glyphs();
  if (!block) {
    block = rectify_mrz(found->image, found->bands, found->glyphs, radians);
    if (block) {
      found->image = block->image.get();
      found->bands = block->bands;
      found->rectified = true;
      normalized_glyphs();
    }
  }
  auto again = read_found_mrz(engine, *found);
  if (again.mrz) {
    return block && block->beyond_photo ? cut_off() : again;
  }
  // The lines read were not an MRZ (clutter lower in the photo), and MRZ-like lines ran off
  // an edge of it: the card's MRZ, cut off.
  if (cut_off_mrz && reading.failure == ReadFailure::kMrzNotFound) {
    return unreadable(ReadFailure::kCutOff, "lines of an MRZ run to an edge of the photo, cut off");
  }
  return reading;
}

}  // namespace

MrzReading MrzReader::read(std::span<const std::uint8_t> encoded_image) const {
  if (encoded_image.empty()) {
    return unreadable(ReadFailure::kNotAnImage, "empty image");
  }
  const std::string_view bytes(reinterpret_cast<const char*>(encoded_image.data()), encoded_image.size());
  if (media::exceeds(bytes, limits_)) {
    return unreadable(ReadFailure::kNotAnImage, "image declares more pixels than media.max_image_pixels/side allow");
  }
  PixPtr gray = decode_gray(encoded_image, kWorkingWidth);
  if (!gray) {
    return unreadable(ReadFailure::kNotAnImage, "not a decodable JPEG, PNG or WebP image");
  }
  if (pixGetWidth(gray.get()) < 200 || pixGetHeight(gray.get()) < 100) {
    return unreadable(ReadFailure::kTooSmall, "image too small to hold a readable MRZ");
  }
  // A phone's 12-megapixel photo holds the MRZ at several times the resolution the
  // reading needs; working at most kWorkingWidth wide bounds time and memory.
  if (pixGetWidth(gray.get()) > kWorkingWidth) {
    const float factor = static_cast<float>(kWorkingWidth) / pixGetWidth(gray.get());
    gray.reset(pixScale(gray.get(), factor, factor));
    if (!gray) {
      return unreadable(ReadFailure::kNotAnImage, "image could not be processed");
    }
  }
  OcrEngine& engine = thread_engine();
  if (!engine.ready()) {
    return unreadable(ReadFailure::kReaderUnavailable,
                      "OCR engine unavailable (Tesseract 'eng' language data not found)");
  }

  // Skew is measured on a reduced copy and removed from the full-resolution image.
  const float reduce = std::min(1.0f, static_cast<float>(kDetectionWidth) / pixGetWidth(gray.get()));
  PixPtr small(pixScale(gray.get(), reduce, reduce));
  // Measured on the strokes only: a textured background (a table, a fabric) has edges of
  // its own, aligned with the photo rather than the card.
  l_float32 angle = 0, confidence = 0;
  PixPtr strokes = small ? stroke_mask(small.get()) : nullptr;
  if (!strokes ||
      pixFindSkewSweepAndSearch(strokes.get(), &angle, &confidence, 4, 2, kMaxSkewDegrees, 1.0f, 0.01f) != 0) {
    angle = confidence = 0;
  }
  const bool rotate = confidence > 1.0f && std::abs(angle) > 0.1f;
  const double radians = rotate ? angle * 3.14159265 / 180.0 : 0.0;
  PixPtr upright(rotate ? pixRotate(gray.get(), angle * 3.14159265f / 180.0f, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0)
                        : pixClone(gray.get()));
  // The MRZ is found on the strokes of the upright reduced copy; unrotated, those are
  // the strokes the skew was measured on.
  PixPtr detect_strokes;
  PixPtr detect_gray;
  if (rotate) {
    detect_gray.reset(upright ? pixScale(upright.get(), reduce, reduce) : nullptr);
    detect_strokes = detect_gray ? stroke_mask(detect_gray.get()) : nullptr;
  } else {
    detect_gray = std::move(small);
    detect_strokes = std::move(strokes);
  }
  if (!upright || !detect_strokes) {
    return unreadable(ReadFailure::kNotAnImage, "image could not be processed");
  }

  // A highlight or a shadow's edge across the MRZ leaves part of its strokes weaker than
  // the threshold the strongest strokes set, and a line's band falls apart: the MRZ is looked
  // for once more on a copy whose contrast is stretched tile by tile. Only then: on every
  // photo it also lifts paper texture into strokes and loses more MRZs than it finds
  // (bench/README.md).
  PixPtr normalized_strokes;
  const auto normalized_detect_strokes = [&]() -> PIX* {
    if (!normalized_strokes) {
      PixPtr normalized(
          pixContrastNorm(nullptr, detect_gray.get(), kNormalizationTile, kNormalizationTile, kMinTileContrast, 1, 1));
      normalized_strokes = normalized ? stroke_mask(normalized.get()) : nullptr;
    }
    return normalized_strokes.get();
  };
  auto candidates = mrz_band_candidates(text_line_bands(detect_strokes.get(), 6, detect_gray.get()));
  if (candidates.empty() && normalized_detect_strokes() != nullptr) {
    candidates = mrz_band_candidates(text_line_bands(normalized_detect_strokes()));
  }
  MrzReading reading = candidates.empty() ? unreadable(ReadFailure::kMrzNotFound,
                                                       "no MRZ found: three machine-readable lines were not located")
                                          : read_candidates(engine, upright.get(), candidates, reduce, radians);
  if (reading.mrz) {
    return reading;
  }
  // The bands gave no MRZ, or none that reads: a band may have taken in clutter beside a
  // line (its ends, and so the grid, are then wrong), or the lines were not found at all and
  // the card's own print was tried. The lines are looked for once more by their characters.
  // A reason found there is the MRZ's when the bands found none; otherwise the bands' stands.
  auto by_glyphs = mrz_glyph_candidates(glyph_rows(detect_strokes.get()));
  if (by_glyphs.empty() && normalized_detect_strokes() != nullptr) {
    // A highlight washed out a stretch of a line: its characters are found on the copy
    // stretched tile by tile (rows of character blobs at one pitch are not made of the paper
    // texture it also lifts).
    by_glyphs = mrz_glyph_candidates(glyph_rows(normalized_detect_strokes()));
  }
  if (!by_glyphs.empty()) {
    auto again = read_candidates(engine, upright.get(), by_glyphs, reduce, radians);
    if (again.mrz || (reading.failure == ReadFailure::kMrzNotFound && again.failure != ReadFailure::kMrzNotFound)) {
      return again;
    }
  }
  if (!candidates.empty()) {
    return reading;
  }
  // An MRZ narrower than a sixth of the photo is not looked for (its characters would be
  // too small to read); three such lines say the card is too far away.
  // Looked for at the working resolution (on the reduced copy such lines are too thin),
  // on the photo as taken too: the skew found may be that of the clutter around a small card.
  const auto far_mrz = [](PIX* image) {
    PixPtr working_strokes(image ? stroke_mask(image, 3) : nullptr);
    if (!working_strokes) {
      return false;
    }
    // Lines of print (a page beside the card) can stack like an MRZ: its 30 cells must show.
    for (const auto& candidate : mrz_band_candidates(text_line_bands(working_strokes.get(), kFarMrzWidthShare))) {
      const FoundMrz lines = locate_lines(image, candidate, 1.0f, 0.0);
      const double pitch = estimate_pitch(lines.glyphs, lines.bands);
      if (std::all_of(lines.glyphs.begin(), lines.glyphs.end(),
                      [&](const auto& glyphs) { return fit_line_grid(glyphs, pitch).has_value(); })) {
        return true;
      }
    }
    return false;
  };
  if (far_mrz(upright.get()) || (rotate && far_mrz(gray.get()))) {
    return unreadable(ReadFailure::kTooSmall, "MRZ found, narrower than a sixth of the photo: too far away");
  }
  return unreadable(ReadFailure::kMrzNotFound, "no MRZ found: three machine-readable lines were not located");
}

std::string_view read_failure_name(ReadFailure failure) {
  switch (failure) {
    case ReadFailure::kNone:
      return "none";
    case ReadFailure::kNotAnImage:
      return "not_an_image";
    case ReadFailure::kTooSmall:
      return "too_small";
    case ReadFailure::kMrzNotFound:
      return "mrz_not_found";
    case ReadFailure::kMrzUnclear:
      return "mrz_unclear";
    case ReadFailure::kCutOff:
      return "cut_off";
    case ReadFailure::kBlurred:
      return "blurred";
    case ReadFailure::kGlare:
      return "glare";
    case ReadFailure::kCheckDigits:
      return "check_digits";
    case ReadFailure::kReaderUnavailable:
      return "reader_unavailable";
  }
  return "unknown";
}

}  // namespace inereg::vision
