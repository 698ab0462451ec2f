#include "checks/document_reading.hpp"

#include <algorithm>
#include <cstdint>
#include <span>

namespace inereg::checks {

DocumentJudgement judge_document(const ine::Credential& typed, const std::optional<ine::Mrz>& read) {
  if (read) {
    if (!ine::mrz_disagreements(*read, typed).empty()) {
      return DocumentJudgement{DocumentJudgement::Kind::kMismatch, {}};
    }
    return DocumentJudgement{DocumentJudgement::Kind::kCredential, ine::merge_credential_with_mrz(typed, *read)};
  }
  if (typed.has_lookup_data()) {
    return DocumentJudgement{DocumentJudgement::Kind::kCredential, typed};
  }
  return DocumentJudgement{DocumentJudgement::Kind::kUnreadable, {}};
}

std::string_view judgement_name(DocumentJudgement::Kind kind) {
  switch (kind) {
    case DocumentJudgement::Kind::kCredential:
      return "credential";
    case DocumentJudgement::Kind::kUnreadable:
      return "unreadable";
    case DocumentJudgement::Kind::kMismatch:
      return "mismatch";
  }
  return "unknown";
}

FirstReading read_first_mrz(const vision::MrzReader& reader, const std::vector<store::MediaFile>& images) {
  FirstReading first;
  for (const auto& image : images) {
    if (first.tried == kMaxImagesReadPerCheck) {
      break;
    }
    ++first.tried;
    const auto* data = reinterpret_cast<const std::uint8_t*>(image.bytes.data());
    auto reading = reader.read(std::span<const std::uint8_t>(data, image.bytes.size()));
    if (reading.mrz) {
      first.mrz = std::move(reading.mrz);
      first.failure = vision::ReadFailure::kNone;
      break;
    }
    if (first.failure == vision::ReadFailure::kNone) {
      first.failure = reading.failure;
    }
  }
  return first;
}

}  // namespace inereg::checks
