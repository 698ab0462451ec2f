#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "registry/registry_file.hpp"
#include "registry/registry_import.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

// The registry snapshot CSV: parsing, formatting, synthetic data and import.
namespace inereg::registry {
namespace {

// Synthetic values: CIC and OCR of the worked MRZ example (ine-domain.md §4.4).
constexpr std::string_view kRowC = "C,,,0427118903355,PRGRJN85041209H100,03,1";
constexpr std::string_view kRowD = "D,187006412,,0427118903355,,,21";
constexpr std::string_view kRowE = "E,187006412,118903355,0427118903355,,,1";
constexpr std::string_view kRowH = "H,187006413,118903356,,,,27";

RegistryRow parse_ok(std::string_view line) {
  auto parsed = parse_registry_line(line);
  if (const auto* problem = std::get_if<std::string>(&parsed)) {
    ADD_FAILURE() << line << ": " << *problem;
    return {};
  }
  return std::get<RegistryRow>(std::move(parsed));
}

std::string problem_of(std::string_view line) {
  const auto parsed = parse_registry_line(line);
  const auto* problem = std::get_if<std::string>(&parsed);
  EXPECT_NE(problem, nullptr) << "accepted: " << line;
  return problem ? *problem : std::string();
}

TEST(ParseRegistryLine, AcceptsModelC) {
  const RegistryRow row = parse_ok(kRowC);
  EXPECT_EQ(row.model, "C");
  EXPECT_EQ(row.credential.elector_key, "PRGRJN85041209H100");
  EXPECT_EQ(row.credential.emission_number, "03");
  EXPECT_EQ(row.credential.ocr, "0427118903355");
  EXPECT_EQ(row.situation, 1);
}

TEST(ParseRegistryLine, AcceptsModelD) {
  const RegistryRow row = parse_ok(kRowD);
  EXPECT_EQ(row.model, "D");
  EXPECT_EQ(row.credential.cic, "187006412");
  EXPECT_EQ(row.credential.ocr, "0427118903355");
  EXPECT_EQ(row.situation, 21);
}

TEST(ParseRegistryLine, AcceptsModelsEToH) {
  EXPECT_EQ(parse_ok(kRowE).credential.citizen_id, "118903355");
  EXPECT_EQ(parse_ok(kRowH).situation, 27);
  EXPECT_EQ(parse_ok("F,187006412,118903355,,,,1").model, "F");
  EXPECT_EQ(parse_ok("G,187006412,118903355,,,,1").model, "G");
}

TEST(ParseRegistryLine, AcceptsATrailingCarriageReturn) {
  EXPECT_EQ(parse_ok(std::string(kRowD) + "\r").situation, 21);
}

TEST(ParseRegistryLine, PadsAOneDigitEmissionNumber) {
  EXPECT_EQ(parse_ok("C,,,0427118903355,PRGRJN85041209H100,3,1").credential.emission_number, "03");
}

TEST(ParseRegistryLine, RejectsWrongCellCount) {
  EXPECT_NE(problem_of("D,187006412,,0427118903355,,").find("7"), std::string::npos);
  problem_of("D,187006412,,0427118903355,,,21,");
  problem_of("");
}

TEST(ParseRegistryLine, RejectsUnknownModel) {
  EXPECT_NE(problem_of("A,187006412,118903355,,,,1").find("model"), std::string::npos);
  problem_of("e,187006412,118903355,,,,1");
  problem_of(",187006412,118903355,,,,1");
}

TEST(ParseRegistryLine, RejectsSituationsOutsideTheCatalog) {
  for (const auto* situation : {"0", "8", "40", "-1", "", "x", "1x", " 1"}) {
    const std::string line = "E,187006412,118903355,,,," + std::string(situation);
    EXPECT_NE(problem_of(line).find("situation"), std::string::npos) << line;
  }
}

TEST(ParseRegistryLine, RejectsAModelLackingAnInputOfItsLookupForm) {
  problem_of("C,,,0427118903355,PRGRJN85041209H100,,1");  // no emission number
  problem_of("C,,,,PRGRJN85041209H100,01,1");             // no OCR
  problem_of("D,187006412,,,,,1");                        // no OCR
  problem_of("D,,,0427118903355,,,1");                    // no CIC
  problem_of("E,187006412,,0427118903355,,,1");           // no citizen id, though the OCR holds it
  problem_of("H,,118903355,,,,1");                        // no CIC
}

TEST(ParseRegistryLine, RejectsMalformedCells) {
  EXPECT_NE(problem_of("E,18700641,118903355,,,,1").find("cic"), std::string::npos);
  EXPECT_NE(problem_of("E,18700641A,118903355,,,,1").find("cic"), std::string::npos);
  EXPECT_NE(problem_of("E,187006412,11890335,,,,1").find("citizen_id"), std::string::npos);
  EXPECT_NE(problem_of("D,187006412,,042711890335,,,1").find("ocr"), std::string::npos);
  EXPECT_NE(problem_of("C,,,0427118903355,PRGRJN85131209H100,01,1").find("elector_key"), std::string::npos);
  EXPECT_NE(problem_of("C,,,0427118903355,PRGRJN85041209H100,123,1").find("emission_number"), std::string::npos);
}

TEST(ParseRegistryLine, ProblemsNeverEchoTheValues) {
  EXPECT_EQ(problem_of("E,18700641,118903355,,,,1").find("18700641"), std::string::npos);
}

TEST(FormatRegistryRow, RoundTripsThroughParse) {
  for (const auto line : {kRowC, kRowD, kRowE, kRowH}) {
    EXPECT_EQ(format_registry_row(parse_ok(line)), line);
  }
}

TEST(ToRegistryEntry, KeyIsTheLookupKeyOfTheModelsForm) {
  for (const auto line : {kRowC, kRowD, kRowE, kRowH}) {
    const RegistryRow row = parse_ok(line);
    const auto entry = to_registry_entry(row);
    const auto key = ine::lookup_key(ine::form_for_model(row.model).value(), row.credential);
    ASSERT_TRUE(key) << line;
    EXPECT_EQ(entry.lookup_key, key->canonical);
    EXPECT_EQ(entry.model, row.model);
    EXPECT_EQ(entry.situation, row.situation);
  }
  EXPECT_EQ(to_registry_entry(parse_ok(kRowE)).lookup_key, "EH|187006412|118903355");
  EXPECT_EQ(to_registry_entry(parse_ok(kRowD)).lookup_key, "D|187006412|0427118903355");
  EXPECT_EQ(to_registry_entry(parse_ok(kRowC)).lookup_key, "C|PRGRJN85041209H100|03|0427118903355");
}

TEST(SyntheticRegistry, IsDeterministicForASeed) {
  SyntheticRegistry a(42);
  SyntheticRegistry b(42);
  SyntheticRegistry other(43);
  int differing = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string row = format_registry_row(a.next());
    EXPECT_EQ(row, format_registry_row(b.next()));
    differing += row != format_registry_row(other.next()) ? 1 : 0;
  }
  EXPECT_GT(differing, 190);
}

TEST(SyntheticRegistry, GeneratedRowsParseBackWithARealisticSpread) {
  SyntheticRegistry registry(7);
  std::set<std::string> models;
  std::map<int, int> situations;
  std::set<std::string> keys;
  constexpr int kRows = 5'000;
  for (int i = 0; i < kRows; ++i) {
    const RegistryRow row = registry.next();
    const std::string line = format_registry_row(row);
    const RegistryRow parsed = parse_ok(line);
    ASSERT_EQ(format_registry_row(parsed), line);
    models.insert(row.model);
    ++situations[row.situation];
    keys.insert(to_registry_entry(parsed).lookup_key);
  }
  EXPECT_EQ(models, (std::set<std::string>{"C", "D", "E", "F", "G", "H"}));
  EXPECT_GE(situations.size(), 5U);
  EXPECT_GT(situations[1], kRows / 2);
  EXPECT_GT(keys.size(), static_cast<std::size_t>(kRows * 99 / 100));
}

TEST(SyntheticRegistry, MakeBuildsTheRequestedModelAndSituation) {
  SyntheticRegistry registry(1);
  for (const auto* model : {"C", "D", "E", "F", "G", "H"}) {
    const RegistryRow row = registry.make(model, 19);
    EXPECT_EQ(row.model, model);
    EXPECT_EQ(row.situation, 19);
    EXPECT_EQ(format_registry_row(parse_ok(format_registry_row(row))), format_registry_row(row));
  }
}

// --- import_registry against a real SQLite file -----------------------------

class ImportRegistry : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_ = store::open_store("sqlite:" + dir_.file("registry.db"));
};

TEST_F(ImportRegistry, ImportsGoodLinesAndReportsABadOneByLineNumber) {
  std::istringstream csv(std::string(kRegistryCsvHeader) + "\n" +  // line 1
                         std::string(kRowC) + "\n" +               // line 2
                         std::string(kRowD) + "\n" +               // line 3
                         "E,18700641,118903355,,,,1\n" +           // line 4: short CIC
                         std::string(kRowE) + "\r\n" +             // line 5
                         "\n" +                                    // line 6: blank, skipped
                         std::string(kRowH) + "\n");               // line 7
  const ImportReport report = import_registry(*store_, csv);
  EXPECT_EQ(report.imported, 4);
  ASSERT_EQ(report.problems.size(), 1U);
  EXPECT_EQ(report.problems[0].line, 4);
  EXPECT_NE(report.problems[0].message.find("cic"), std::string::npos);

  EXPECT_EQ(store_->registry_entry_count(), 4);
  EXPECT_EQ(store_->find_registry_situation("D|187006412|0427118903355"), 21);
  EXPECT_EQ(store_->find_registry_situation("EH|187006412|118903355"), 1);
  EXPECT_EQ(store_->find_registry_situation("EH|187006413|118903356"), 27);
  EXPECT_EQ(store_->find_registry_situation("C|PRGRJN85041209H100|03|0427118903355"), 1);
  EXPECT_EQ(store_->find_registry_situation("EH|18700641|118903355"), std::nullopt);
}

TEST_F(ImportRegistry, WrongHeaderImportsNothing) {
  std::istringstream csv("model,cic,citizen_id,ocr,elector_key,emission,situation\n" + std::string(kRowD) + "\n");
  const ImportReport report = import_registry(*store_, csv);
  EXPECT_EQ(report.imported, 0);
  ASSERT_EQ(report.problems.size(), 1U);
  EXPECT_EQ(report.problems[0].line, 1);
  EXPECT_EQ(store_->registry_entry_count(), 0);
}

TEST_F(ImportRegistry, ReimportingAKeyReplacesItsSituation) {
  std::istringstream first(std::string(kRegistryCsvHeader) + "\n" + std::string(kRowD) + "\n");
  std::istringstream second(std::string(kRegistryCsvHeader) + "\nD,187006412,,0427118903355,,,13\n");
  EXPECT_EQ(import_registry(*store_, first).imported, 1);
  EXPECT_EQ(import_registry(*store_, second).imported, 1);
  EXPECT_EQ(store_->registry_entry_count(), 1);
  EXPECT_EQ(store_->find_registry_situation("D|187006412|0427118903355"), 13);
}

TEST_F(ImportRegistry, ReportsProgressAndImportsMoreThanOneBatch) {
  SyntheticRegistry registry(99);
  std::string text = std::string(kRegistryCsvHeader) + "\n";
  std::set<std::string> keys;
  for (int i = 0; i < 6'000; ++i) {
    const RegistryRow row = registry.next();
    keys.insert(to_registry_entry(row).lookup_key);
    text += format_registry_row(row) + "\n";
  }
  std::istringstream csv(text);
  std::vector<std::int64_t> progress;
  const ImportReport report = import_registry(*store_, csv, [&](std::int64_t lines) { progress.push_back(lines); });
  EXPECT_EQ(report.imported, 6'000);
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(store_->registry_entry_count(), static_cast<std::int64_t>(keys.size()));
  ASSERT_GE(progress.size(), 2U);
  EXPECT_EQ(progress.back(), 6'001);
}

}  // namespace
}  // namespace inereg::registry
