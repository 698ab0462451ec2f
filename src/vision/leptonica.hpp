#pragma once

#include <leptonica/allheaders.h>

#include <memory>

// Ownership of Leptonica's C objects: each is freed by its own destroy function.
namespace inereg::vision {

struct PixDeleter {
  void operator()(PIX* pix) const { pixDestroy(&pix); }
};
struct BoxaDeleter {
  void operator()(BOXA* boxa) const { boxaDestroy(&boxa); }
};
using PixPtr = std::unique_ptr<PIX, PixDeleter>;
using BoxaPtr = std::unique_ptr<BOXA, BoxaDeleter>;

}  // namespace inereg::vision
