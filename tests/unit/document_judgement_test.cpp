// checks::judge_document: what a card's MRZ does to a session's typed
// credential, without images (the MRZ is parsed from text).
#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <vector>

#include "checks/document_reading.hpp"
#include "ine/mrz.hpp"

namespace inereg::checks {
namespace {

// ine-domain.md §4.4's worked example.
ine::Mrz example_mrz() {
  const auto parsed =
      ine::parse_mrz("IDMEX1870064127<<0427118903355\n8504124H3312315MEX<<<<<<<<<<<2\nPEREZ<GARCIA<<JUAN<CARLOS<<<<<");
  EXPECT_TRUE(parsed.ok());
  return *parsed.mrz;
}

TEST(JudgeDocument, AnMrzAloneIsTheCredential) {
  const auto judgement = judge_document(ine::Credential{}, example_mrz());
  ASSERT_EQ(judgement.kind, DocumentJudgement::Kind::kCredential);
  EXPECT_EQ(judgement.credential.cic, "187006412");
  EXPECT_EQ(judgement.credential.citizen_id, "118903355");
  EXPECT_EQ(judgement.credential.ocr, "0427118903355");
}

TEST(JudgeDocument, AgreeingTypedFieldsAreKeptAndCompleted) {
  ine::Credential typed;
  typed.cic = "187006412";
  typed.emission_number = "02";  // not in the MRZ: kept
  const auto judgement = judge_document(typed, example_mrz());
  ASSERT_EQ(judgement.kind, DocumentJudgement::Kind::kCredential);
  EXPECT_EQ(judgement.credential.citizen_id, "118903355");
  EXPECT_EQ(judgement.credential.emission_number, "02");
}

TEST(JudgeDocument, AContradictionIsAMismatchNeverAGuess) {
  ine::Credential typed;
  typed.cic = "187006412";
  typed.citizen_id = "118903356";
  EXPECT_EQ(judge_document(typed, example_mrz()).kind, DocumentJudgement::Kind::kMismatch);
  ine::Credential other_birth;
  other_birth.curp = "IAGS941025HCLBMR07";  // born 1994-10-25, not 1985-04-12
  EXPECT_EQ(judge_document(other_birth, example_mrz()).kind, DocumentJudgement::Kind::kMismatch);
}

TEST(JudgeDocument, NothingReadIsUnreadableUnlessTypedDataCanBeLookedUp) {
  EXPECT_EQ(judge_document(ine::Credential{}, std::nullopt).kind, DocumentJudgement::Kind::kUnreadable);
  ine::Credential partial;
  partial.cic = "187006412";  // no lookup form with the CIC alone
  EXPECT_EQ(judge_document(partial, std::nullopt).kind, DocumentJudgement::Kind::kUnreadable);
  ine::Credential typed = partial;
  typed.citizen_id = "118903355";
  const auto judgement = judge_document(typed, std::nullopt);
  ASSERT_EQ(judgement.kind, DocumentJudgement::Kind::kCredential);
  EXPECT_EQ(judgement.credential.citizen_id, "118903355");
}

}  // namespace
}  // namespace inereg::checks
