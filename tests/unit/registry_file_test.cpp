#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "auth/signing.hpp"
#include "ine/situation.hpp"
#include "registry/local_registry.hpp"
#include "registry/registry_file.hpp"
#include "registry/registry_import.hpp"
#include "registry/snapshot_file.hpp"
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

// --- import_registry: a snapshot file, activated in a real SQLite store -------

constexpr std::string_view kKey = "a test snapshot key";
constexpr std::int64_t kImportedAt = 1'700'000'000'000;

class ImportRegistry : public ::testing::Test {
 protected:
  // Writes `text` to a file (gzip-compressed when asked) and imports it.
  ImportReport import_text(const std::string& text, bool gzip = false,
                           const std::function<void(std::int64_t)>& progress = {}) {
    const std::string path = dir_.file("input-" + std::to_string(++files_) + (gzip ? ".csv.gz" : ".csv"));
    if (gzip) {
      gzFile out = gzopen(path.c_str(), "wb");
      gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
      gzclose(out);
    } else {
      std::ofstream(path, std::ios::binary) << text;
    }
    const int fd = ::open(path.c_str(), O_RDONLY);
    SnapshotImportOptions options{snapshots_, std::string(kKey), 2, [this] { return now_; }, progress};
    auto report = import_registry(*store_, fd, options);
    ::close(fd);
    return report;
  }
  std::shared_ptr<const SnapshotFile> active_file() {
    const auto state = store_->find_registry_snapshot(store::kIneSnapshot);
    if (!state.active) {
      return nullptr;
    }
    return SnapshotFile::open(snapshots_ / state.active->file, hasher_.key_id());
  }
  std::optional<int> situation_of(std::string_view canonical) {
    const auto hit = active_file()->find(hasher_.hash(canonical));
    return hit ? std::optional<int>(hit->situation) : std::nullopt;
  }

  testing::TempDir dir_;
  std::filesystem::path snapshots_ = std::filesystem::path(dir_.file("snapshots"));
  std::unique_ptr<store::Store> store_ = store::open_store("sqlite:" + dir_.file("registry.db"));
  SnapshotKeyHasher hasher_{kKey};
  std::int64_t now_ = kImportedAt;
  int files_ = 0;
};

const std::string kGoodAndBad = std::string(kRegistryCsvHeader) + "\n" +  // line 1
                                std::string(kRowC) + "\n" +               // line 2
                                std::string(kRowD) + "\n" +               // line 3
                                "E,18700641,118903355,,,,1\n" +           // line 4: short CIC
                                std::string(kRowE) + "\r\n" +             // line 5
                                "\n" +                                    // line 6: blank, skipped
                                std::string(kRowH) + "\n";                // line 7

TEST_F(ImportRegistry, ImportsGoodLinesAndReportsABadOneByLineNumber) {
  const ImportReport report = import_text(kGoodAndBad);
  EXPECT_EQ(report.imported, 4);
  EXPECT_EQ(report.bad_lines, 1);
  ASSERT_EQ(report.problems.size(), 1U);
  EXPECT_EQ(report.problems[0].line, 4);
  EXPECT_NE(report.problems[0].message.find("cic"), std::string::npos);

  const auto state = store_->find_registry_snapshot(store::kIneSnapshot);
  ASSERT_TRUE(state.active);
  EXPECT_FALSE(state.previous);
  EXPECT_EQ(state.active->row_count, 4);
  EXPECT_EQ(state.active->imported_at, kImportedAt);
  EXPECT_EQ(state.active->source_sha256, auth::legacy_sha256_hex(kGoodAndBad, ""));  // SHA-256 of the CSV
  EXPECT_EQ(store_->find_snapshot_date(store::kIneSnapshot), kImportedAt);
  EXPECT_EQ(situation_of("D|187006412|0427118903355"), 21);
  EXPECT_EQ(situation_of("EH|187006412|118903355"), 1);
  EXPECT_EQ(situation_of("EH|187006413|118903356"), 27);
  EXPECT_EQ(situation_of("C|PRGRJN85041209H100|03|0427118903355"), 1);
  EXPECT_EQ(situation_of("EH|18700641|118903355"), std::nullopt);
}

TEST_F(ImportRegistry, TheFileHoldsNoIdentifierInClear) {
  ASSERT_EQ(import_text(kGoodAndBad).imported, 4);
  const auto state = store_->find_registry_snapshot(store::kIneSnapshot);
  std::ifstream in(snapshots_ / state.active.value().file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const std::string_view identifier : {"187006412", "0427118903355", "118903355", "PRGRJN85041209H100"}) {
    EXPECT_EQ(bytes.find(identifier), std::string::npos) << identifier;
  }
  // Under another key the file is refused, not read as "not found".
  EXPECT_THROW(SnapshotFile::open(snapshots_ / state.active->file, SnapshotKeyHasher("other").key_id()),
               std::runtime_error);
}

TEST_F(ImportRegistry, ReadsGzip) {
  const ImportReport report = import_text(kGoodAndBad, true);
  EXPECT_EQ(report.imported, 4);
  EXPECT_EQ(situation_of("D|187006412|0427118903355"), 21);
}

TEST_F(ImportRegistry, WrongHeaderImportsNothing) {
  const ImportReport report =
      import_text("model,cic,citizen_id,ocr,elector_key,emission,situation\n" + std::string(kRowD) + "\n");
  EXPECT_EQ(report.imported, 0);
  ASSERT_EQ(report.problems.size(), 1U);
  EXPECT_EQ(report.problems[0].line, 1);
  EXPECT_FALSE(store_->find_registry_snapshot(store::kIneSnapshot).active);
}

TEST_F(ImportRegistry, AnEmptyFileIsAProblem) {
  const ImportReport report = import_text("");
  EXPECT_EQ(report.imported, 0);
  ASSERT_EQ(report.problems.size(), 1U);
  EXPECT_EQ(report.problems[0].line, 0);
}

TEST_F(ImportRegistry, ALaterLineOfTheSameCredentialWins) {
  const ImportReport report =
      import_text(std::string(kRegistryCsvHeader) + "\n" + std::string(kRowD) + "\nD,187006412,,0427118903355,,,13\n");
  EXPECT_EQ(report.imported, 2);
  EXPECT_EQ(report.duplicates, 1);
  EXPECT_EQ(situation_of("D|187006412|0427118903355"), 13);
}

TEST_F(ImportRegistry, ANewImportReplacesTheSnapshotAndKeepsThePreviousForARollback) {
  ASSERT_EQ(import_text(std::string(kRegistryCsvHeader) + "\n" + std::string(kRowD) + "\n").imported, 1);
  const auto first = store_->find_registry_snapshot(store::kIneSnapshot).active.value();
  now_ += 60'000;
  ASSERT_EQ(import_text(std::string(kRegistryCsvHeader) + "\nD,187006412,,0427118903355,,,13\n").imported, 1);
  EXPECT_EQ(situation_of("D|187006412|0427118903355"), 13);
  auto state = store_->find_registry_snapshot(store::kIneSnapshot);
  EXPECT_EQ(state.previous.value().file, first.file);
  EXPECT_EQ(state.active.value().imported_at, kImportedAt + 60'000);

  ASSERT_TRUE(store_->rollback_registry_snapshot(store::kIneSnapshot));
  EXPECT_EQ(situation_of("D|187006412|0427118903355"), 21);
  EXPECT_EQ(store_->find_snapshot_date(store::kIneSnapshot), kImportedAt);
  ASSERT_TRUE(store_->rollback_registry_snapshot(store::kIneSnapshot));  // and forward again
  EXPECT_EQ(situation_of("D|187006412|0427118903355"), 13);

  // A third import drops the oldest file: the active one and one before it are kept.
  now_ += 60'000;
  ASSERT_EQ(import_text(std::string(kRegistryCsvHeader) + "\n" + std::string(kRowH) + "\n").imported, 1);
  state = store_->find_registry_snapshot(store::kIneSnapshot);
  EXPECT_FALSE(std::filesystem::exists(snapshots_ / first.file));
  EXPECT_TRUE(std::filesystem::exists(snapshots_ / state.previous.value().file));
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(snapshots_)) {
    ++files;
    EXPECT_TRUE(entry.path().filename().string().ends_with(".snapshot")) << entry.path();
  }
  EXPECT_EQ(files, 2);
}

TEST_F(ImportRegistry, AnImportLeavesOtherDatabasesFilesInASharedDirectory) {
  // A second database (say, staging beside production) keeps its snapshots in the same
  // directory; its file answers before and after three imports into the first one.
  auto other = store::open_store("sqlite:" + dir_.file("other.db"));
  const std::string text = std::string(kRegistryCsvHeader) + "\n" + std::string(kRowD) + "\n";
  const std::string path = dir_.file("other.csv");
  std::ofstream(path, std::ios::binary) << text;
  const int fd = ::open(path.c_str(), O_RDONLY);
  SnapshotImportOptions options{snapshots_, std::string(kKey), 2, [] { return kImportedAt - 1; }, {}};
  ASSERT_EQ(import_registry(*other, fd, options).imported, 1);
  ::close(fd);
  const auto others = other->find_registry_snapshot(store::kIneSnapshot).active.value().file;

  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(import_text(text).imported, 1);
    now_ += 60'000;
  }
  ASSERT_TRUE(std::filesystem::exists(snapshots_ / others));
  const auto hit =
      SnapshotFile::open(snapshots_ / others, hasher_.key_id())->find(hasher_.hash("D|187006412|0427118903355"));
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->situation, 21);
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(snapshots_)) {
    ++files;
  }
  EXPECT_EQ(files, 3);  // the other database's one, this one's active and previous
}

TEST_F(ImportRegistry, EmptiesTheLegacyTableOfIdentifiersInClear) {
  const store::RegistryEntry legacy{"D|187006412|0427118903355", "D", 21};
  store_->upsert_registry_entries(std::span(&legacy, 1));
  ASSERT_EQ(import_text(std::string(kRegistryCsvHeader) + "\n" + std::string(kRowH) + "\n").imported, 1);
  EXPECT_EQ(store_->registry_entry_count(), 0);
}

// CI's run of the national import's code at 1 M rows (the national size, 97.5 M, is
// bench/national_registry_bench.sh's): every row found with its situation, absent
// credentials not found.
TEST_F(ImportRegistry, AMillionRowsAreAllFound) {
  SyntheticRegistry registry(99);
  std::string text = std::string(kRegistryCsvHeader) + "\n";
  std::map<std::string, int> expected;
  for (int i = 0; i < 1'000'000; ++i) {
    const RegistryRow row = registry.next();
    expected[to_registry_entry(row).lookup_key] = row.situation;
    text += format_registry_row(row) + "\n";
  }
  std::vector<std::int64_t> progress;
  const ImportReport report = import_text(text, false, [&](std::int64_t lines) { progress.push_back(lines); });
  EXPECT_EQ(report.imported, 1'000'000);
  EXPECT_TRUE(report.problems.empty());
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), 1'000'001);
  const auto file = active_file();
  EXPECT_EQ(file->info().row_count, static_cast<std::int64_t>(expected.size()));
  for (const auto& [canonical, situation] : expected) {
    const auto hit = file->find(hasher_.hash(canonical));
    ASSERT_TRUE(hit) << "row not found";
    ASSERT_EQ(hit->situation, situation);
  }
  SyntheticRegistry absent(100);
  for (int i = 0; i < 20'000; ++i) {
    const auto canonical = to_registry_entry(absent.next()).lookup_key;
    if (!expected.contains(canonical)) {
      ASSERT_FALSE(file->find(hasher_.hash(canonical)));
    }
  }
}

TEST(SnapshotKeyHasher, IsHmacSha256Truncated) {
  const SnapshotKeyHasher hasher(kKey);
  const std::string full = auth::hmac_sha256(kKey, "EH|187006412|118903355");
  const auto key = hasher.hash("EH|187006412|118903355");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(key.data()), key.size()), full.substr(0, 16));
  const std::string long_key(100, 'k');  // longer than a block: hashed first, as HMAC says
  const auto long_hash = SnapshotKeyHasher(long_key).hash("x");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(long_hash.data()), 16),
            auth::hmac_sha256(long_key, "x").substr(0, 16));
}

// --- LocalRegistry: which snapshot answers -------------------------------------

class LocalRegistryTest : public ImportRegistry {
 protected:
  LookupOutcome ask(LocalRegistry& local, std::string_view canonical) {
    LookupOutcome answer;
    local.ask(Lookup{{ine::LookupKey{ine::LookupForm::kCicOcr, std::string(canonical)}}},
              [&](LookupOutcome outcome) { answer = std::move(outcome); });
    return answer;
  }
  LocalSnapshotOptions options(std::int64_t check_ms = 0) {
    return LocalSnapshotOptions{snapshots_, std::string(kKey), check_ms, [this] { return steady_; }, ""};
  }
  std::int64_t steady_ = 0;
};

TEST_F(LocalRegistryTest, AnswersFromTheLegacyTableUntilAFileIsImported) {
  const store::RegistryEntry legacy{"D|187006412|0427118903355", "D", 21};
  store_->upsert_registry_entries(std::span(&legacy, 1));
  LocalRegistry local(*store_, options());
  EXPECT_EQ(ask(local, "D|187006412|0427118903355").situation, 21);
  ASSERT_EQ(import_text(std::string(kRegistryCsvHeader) + "\nD,187006412,,0427118903355,,,13\n").imported, 1);
  const auto outcome = ask(local, "D|187006412|0427118903355");
  EXPECT_EQ(outcome.kind, LookupOutcome::Kind::kVerdict);
  EXPECT_EQ(outcome.situation, 13);
  EXPECT_EQ(outcome.snapshot_at_ms, kImportedAt);
  EXPECT_EQ(ask(local, "D|187006412|0427118903356").situation, ine::kSituationNotFound);
}

TEST_F(LocalRegistryTest, SeesANewSnapshotAtItsNextCheck) {
  ASSERT_EQ(import_text(std::string(kRegistryCsvHeader) + "\n" + std::string(kRowD) + "\n").imported, 1);
  LocalRegistry local(*store_, options(1'000));
  EXPECT_EQ(ask(local, "D|187006412|0427118903355").situation, 21);
  now_ += 1;
  ASSERT_EQ(import_text(std::string(kRegistryCsvHeader) + "\nD,187006412,,0427118903355,,,13\n").imported, 1);
  steady_ += 999;
  EXPECT_EQ(ask(local, "D|187006412|0427118903355").situation, 21);  // the old one, whole
  steady_ += 1;
  // The new file is mapped in the background; meanwhile the old one answers.
  int situation = 0;
  for (int i = 0; i < 500 && situation != 13; ++i) {
    situation = ask(local, "D|187006412|0427118903355").situation;
    ASSERT_TRUE(situation == 21 || situation == 13) << situation;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(situation, 13);  // the new one, whole
}

// Lookups on many threads at once while the first file is still loading wait for it:
// none answers from the (emptied) legacy table, which would say "not found".
TEST_F(LocalRegistryTest, LookupsDuringTheFirstLoadWaitForIt) {
  SyntheticRegistry registry(7);
  std::string text = std::string(kRegistryCsvHeader) + "\n";
  std::vector<std::pair<std::string, int>> rows;
  for (int i = 0; i < 300'000; ++i) {
    const RegistryRow row = registry.next();
    if (rows.size() < 64) {
      rows.emplace_back(to_registry_entry(row).lookup_key, row.situation);
    }
    text += format_registry_row(row) + "\n";
  }
  ASSERT_EQ(import_text(text).imported, 300'000);
  constexpr int kThreads = 8;
  for (int round = 0; round < 5; ++round) {
    LocalRegistry local(*store_, options(60'000));
    std::latch go(kThreads);
    std::vector<LookupOutcome> outcomes(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        go.arrive_and_wait();
        outcomes[static_cast<std::size_t>(t)] = ask(local, rows[static_cast<std::size_t>(round * kThreads + t)].first);
      });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    for (int t = 0; t < kThreads; ++t) {
      SCOPED_TRACE("round " + std::to_string(round) + ", thread " + std::to_string(t));
      const auto& outcome = outcomes[static_cast<std::size_t>(t)];
      EXPECT_EQ(outcome.kind, LookupOutcome::Kind::kVerdict);
      EXPECT_EQ(outcome.situation, rows[static_cast<std::size_t>(round * kThreads + t)].second);
    }
  }
}

TEST_F(LocalRegistryTest, AMissingFileIsUnavailableNeverNotFound) {
  ASSERT_EQ(import_text(std::string(kRegistryCsvHeader) + "\n" + std::string(kRowD) + "\n").imported, 1);
  const auto file = snapshots_ / store_->find_registry_snapshot(store::kIneSnapshot).active.value().file;
  const auto moved = std::filesystem::path(dir_.file("elsewhere"));
  std::filesystem::rename(file, moved);
  LocalRegistry local(*store_, options());
  const auto outcome = ask(local, "D|187006412|0427118903355");
  EXPECT_EQ(outcome.kind, LookupOutcome::Kind::kUnavailable);
  std::filesystem::rename(moved, file);  // the operator copies it over: used at the next check
  EXPECT_EQ(ask(local, "D|187006412|0427118903355").situation, 21);
}

TEST_F(LocalRegistryTest, AFileOfAnotherKeyIsUnavailable) {
  ASSERT_EQ(import_text(std::string(kRegistryCsvHeader) + "\n" + std::string(kRowD) + "\n").imported, 1);
  auto other = options();
  other.key = "another master key's snapshot key";
  LocalRegistry local(*store_, other);
  EXPECT_EQ(ask(local, "D|187006412|0427118903355").kind, LookupOutcome::Kind::kUnavailable);
}

TEST_F(LocalRegistryTest, AFileOfThePreviousMasterKeyAnswersDuringARotation) {
  ASSERT_EQ(import_text(std::string(kRegistryCsvHeader) + "\n" + std::string(kRowD) + "\n").imported, 1);
  auto rotating = options();
  rotating.key = "the new master key's snapshot key";
  rotating.previous_key = std::string(kKey);  // the key the file was made under
  LocalRegistry local(*store_, rotating);
  const auto outcome = ask(local, "D|187006412|0427118903355");
  EXPECT_EQ(outcome.kind, LookupOutcome::Kind::kVerdict);
  EXPECT_EQ(outcome.situation, 21);
  EXPECT_EQ(ask(local, "D|187006412|0427118903356").situation, ine::kSituationNotFound);
  // Once the previous key is gone (the rotation's last step), the file is refused again.
  rotating.previous_key.clear();
  LocalRegistry after(*store_, rotating);
  EXPECT_EQ(ask(after, "D|187006412|0427118903355").kind, LookupOutcome::Kind::kUnavailable);
}

}  // namespace
}  // namespace inereg::registry
