#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ine/situation.hpp"

// The policy table against the catalog of ine-domain.md §5.4 and Veriff's two texts.
namespace inereg::ine {
namespace {

constexpr std::string_view kVigenteText = "La credencial esta vigente";
constexpr std::string_view kNotFoundText =
    "No se obtuvieron datos de la consulta con los par\xC3\xA1metros seleccionados";

std::vector<int> catalog_ids() {
  std::vector<int> ids = {1, 2, 3, 4, 5, 6, 7};
  for (int id = 10; id <= 39; ++id) {
    ids.push_back(id);
  }
  return ids;
}

TEST(SituationPolicy, VigenteAnswersVeriffsActiveTextByteExact) {
  const auto policy = policy_for_situation(kSituationVigente);
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->id, 1);
  EXPECT_EQ(policy->name, "VIGENTE");
  EXPECT_TRUE(policy->active);
  EXPECT_EQ(policy->document_state, kVigenteText);
}

TEST(SituationPolicy, NotFoundAnswersVeriffsNotFoundTextByteExact) {
  const auto policy = policy_for_situation(kSituationNotFound);
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->id, 21);
  EXPECT_EQ(policy->name, "DATOS_NO_ENCONTRADOS");
  EXPECT_FALSE(policy->active);
  EXPECT_EQ(policy->document_state, kNotFoundText);
  EXPECT_EQ(policy->document_state.size(), 71U);  // á is two bytes
}

TEST(SituationPolicy, TableHoldsEveryCatalogIdOnceInAscendingOrder) {
  std::vector<int> ids;
  for (const auto& policy : situation_policies()) {
    ids.push_back(policy.id);
  }
  EXPECT_EQ(ids, catalog_ids());
}

TEST(SituationPolicy, LookupFindsEachTableEntry) {
  for (const auto& policy : situation_policies()) {
    const auto found = policy_for_situation(policy.id);
    ASSERT_TRUE(found) << policy.id;
    EXPECT_EQ(found->name, policy.name);
    EXPECT_FALSE(policy.name.empty()) << policy.id;
    EXPECT_FALSE(policy.document_state.empty()) << policy.id;
  }
}

TEST(SituationPolicy, ActiveEntriesAnswerTheVigenteTextAndOnlyThey) {
  for (const auto& policy : situation_policies()) {
    EXPECT_EQ(policy.active, policy.document_state == kVigenteText) << policy.id;
  }
}

TEST(SituationPolicy, NegativeTextsAreDistinctExceptTemporaryFolioVariants) {
  // A folio-consulted temporary report (31, 32) says the same as its plain report (25, 26);
  // every other negative situation has a text of its own.
  std::map<std::string_view, int> first_with_text;
  for (const auto& policy : situation_policies()) {
    if (policy.active) {
      continue;
    }
    const auto [it, inserted] = first_with_text.emplace(policy.document_state, policy.id);
    if (!inserted) {
      const bool folio_repeat = (policy.id == 31 && it->second == 25) || (policy.id == 32 && it->second == 26);
      EXPECT_TRUE(folio_repeat) << policy.id << " repeats the text of " << it->second;
    }
  }
  EXPECT_EQ(first_with_text.size(), situation_policies().size() - 7 - 2);  // 7 active, 2 folio repeats
}

TEST(SituationPolicy, UnknownIdsGiveNullopt) {
  for (const int id : {0, 8, 9, 40, -1, 100}) {
    EXPECT_EQ(policy_for_situation(id), std::nullopt) << id;
  }
}

TEST(SituationPolicy, SituationsTheInePutsAsVigenteAreActive) {
  for (const int id : {1, 3, 4}) {
    EXPECT_TRUE(policy_for_situation(id)->active) << id;
  }
}

TEST(SituationPolicy, CancelledTheftAndLossReportsAreActive) {
  for (const int id : {27, 28, 33, 34}) {
    EXPECT_TRUE(policy_for_situation(id)->active) << id;
  }
}

TEST(SituationPolicy, TemporaryTheftAndLossReportsAreInactiveByPolicy) {
  // The catalog keeps these vigente; situation.cpp documents why inereg answers false.
  for (const int id : {25, 26, 31, 32}) {
    EXPECT_FALSE(policy_for_situation(id)->active) << id;
  }
}

TEST(SituationPolicy, PermanentReportsAndDropsAreInactive) {
  for (const int id : {2, 7, 13, 18, 19, 20, 29, 30, 35}) {
    EXPECT_FALSE(policy_for_situation(id)->active) << id;
  }
}

}  // namespace
}  // namespace inereg::ine
