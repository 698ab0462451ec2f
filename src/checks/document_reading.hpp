#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "ine/credential.hpp"
#include "ine/mrz.hpp"
#include "store/records.hpp"
#include "vision/mrz_reader.hpp"

// Reading a submitted session's credential off its document images, for the check
// pipeline (docs/ARCHITECTURE.md, "Reading the card at submit").
namespace inereg::checks {

// Images read per check, at most: the document-back ones come first (media_for_reading),
// and each read costs a fraction of a second of CPU (a second or more for a large
// photo), so a session with many uploads cannot hold a reading thread for a lease.
inline constexpr std::size_t kMaxImagesReadPerCheck = 4;

// What a session's images say about its credential.
struct DocumentJudgement {
  enum class Kind {
    kCredential,  // look `credential` up
    kUnreadable,  // no image gave an MRZ whose check digits all hold, and no typed lookup data
    kMismatch,    // the MRZ read contradicts typed fields: never guess which is right
  };
  Kind kind = Kind::kUnreadable;
  ine::Credential credential;  // kCredential only
};

// Pure. `read`: the first MRZ read from the session's images, if any. An MRZ that agrees
// with the typed fields (ine::mrz_disagreements) is merged into them; an unreadable
// document still leaves a credential when the typed fields alone can be looked up.
DocumentJudgement judge_document(const ine::Credential& typed, const std::optional<ine::Mrz>& read);

// "credential", "unreadable", "mismatch": for logs (no personal data).
std::string_view judgement_name(DocumentJudgement::Kind kind);

// The MRZ of the first of `images` (at most kMaxImagesReadPerCheck, in order) that reads
// with every check digit holding; `tried` counts the images read. Without an MRZ,
// `failure` is why the first image (a card back, when there is one) did not read.
struct FirstReading {
  std::optional<ine::Mrz> mrz;
  std::size_t tried = 0;
  vision::ReadFailure failure = vision::ReadFailure::kNone;
};
FirstReading read_first_mrz(const vision::MrzReader& reader, const std::vector<store::MediaFile>& images);

}  // namespace inereg::checks
