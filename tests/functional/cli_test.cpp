// The one-shot commands of the real binary: help texts, integration management and the
// registry file tools, as an operator runs them.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "functional/harness.hpp"
#include "registry/registry_file.hpp"

namespace inereg::functional {
namespace {

const std::string kHeader = "model,cic,citizen_id,ocr,elector_key,emission_number,situation";

struct HelpCase {
  std::vector<std::string> args;
  std::vector<std::string> mentions;
};

class HelpTest : public ::testing::TestWithParam<HelpCase> {};

TEST_P(HelpTest, ExitsZeroAndNamesItsOptions) {
  Workspace workspace;
  auto args = GetParam().args;
  args.push_back("--help");
  const auto result = workspace.cli(args);
  ASSERT_EQ(result.exit_code(), 0) << describe(result.status) << "\n" << result.err;
  for (const auto& mention : GetParam().mentions) {
    EXPECT_NE(result.out.find(mention), std::string::npos) << "help lacks " << mention << ":\n" << result.out;
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryCommand, HelpTest,
    ::testing::Values(HelpCase{{}, {"serve", "integration", "registry"}},
                      HelpCase{{"serve"}, {"--config", "--listen", "--db", "--demo"}},
                      HelpCase{{"integration"},
                               {"create", "list", "rotate-secret", "revoke-old-secrets", "deactivate", "set-recheck"}},
                      HelpCase{{"integration", "create"}, {"--name", "--json", "--db", "--config"}},
                      HelpCase{{"integration", "list"}, {"--json", "--db"}},
                      HelpCase{{"integration", "rotate-secret"}, {"--id", "--db"}},
                      HelpCase{{"integration", "revoke-old-secrets"}, {"--id", "--db"}},
                      HelpCase{{"integration", "deactivate"}, {"--id", "--db"}},
                      HelpCase{{"integration", "activate"}, {"--id", "--db"}},
                      HelpCase{{"integration", "set-recheck"}, {"ID", "--interval", "--db"}},
                      HelpCase{{"integration", "set-retention"},
                               {"ID", "--personal-data", "--delivered-webhooks", "--db"}},
                      HelpCase{{"retention"}, {"status", "run"}}, HelpCase{{"retention", "status"}, {"--json", "--db"}},
                      HelpCase{{"registry"}, {"generate", "import", "recheck"}},
                      HelpCase{{"registry", "recheck"}, {"--session", "--integration", "--decided-before", "--db"}},
                      HelpCase{{"registry", "generate"}, {"--count", "--out", "--seed"}},
                      HelpCase{{"registry", "import"}, {"FILE", "--db", kHeader}}));

TEST(CliUsage, UnknownSubcommandAndMissingRequiredOptionFail) {
  Workspace workspace;
  EXPECT_NE(workspace.cli({"frobnicate"}).exit_code(), 0);
  EXPECT_NE(workspace.cli({}).exit_code(), 0);
  const auto no_name = workspace.cli({"integration", "create"});
  EXPECT_NE(no_name.exit_code(), 0);
  EXPECT_NE(no_name.err.find("--name"), std::string::npos) << no_name.err;
}

TEST(IntegrationCli, CreateJsonPrintsExactlyOneObjectAndListShowsIt) {
  Workspace workspace;
  const auto result = workspace.cli({"integration", "create", "--name", "acme", "--json"});
  ASSERT_EQ(result.exit_code(), 0) << result.err;

  ASSERT_FALSE(result.out.empty());
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 1) << result.out;
  EXPECT_EQ(result.out.back(), '\n');
  // boost::json::parse rejects anything after the one value but whitespace.
  const auto value = boost::json::parse(result.out);
  ASSERT_TRUE(value.is_object()) << result.out;
  const auto& object = value.as_object();
  std::vector<std::string> keys;
  for (const auto& entry : object) {
    keys.emplace_back(entry.key());
    EXPECT_TRUE(entry.value().is_string()) << entry.key();
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "name", "apiKey", "sharedSecret"}));

  const std::string id(object.at("id").as_string());
  const std::string api_key(object.at("apiKey").as_string());
  const std::string secret(object.at("sharedSecret").as_string());
  EXPECT_EQ(object.at("name").as_string(), "acme");
  EXPECT_FALSE(id.empty());
  static const std::regex kUuidV4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(api_key, kUuidV4)) << api_key;
  EXPECT_GE(secret.size(), 32u);
  EXPECT_EQ(result.err.find(secret), std::string::npos) << "the secret must not reach the logs";

  const auto list = workspace.cli({"integration", "list", "--json"});
  ASSERT_EQ(list.exit_code(), 0) << list.err;
  const auto listed = boost::json::parse(list.out);
  ASSERT_TRUE(listed.is_array()) << list.out;
  ASSERT_EQ(listed.as_array().size(), 1u) << list.out;
  const auto& entry = listed.as_array()[0].as_object();
  EXPECT_EQ(entry.at("id").as_string(), id);
  EXPECT_EQ(entry.at("name").as_string(), "acme");
  EXPECT_EQ(entry.at("apiKey").as_string(), api_key);
  EXPECT_TRUE(entry.at("active").as_bool());
  EXPECT_EQ(entry.at("activeSecrets").to_number<int>(), 1);
  EXPECT_EQ(list.out.find(secret), std::string::npos) << "list must never show a secret";

  // --db beats INEREG_DB: another database has no integrations.
  const auto other =
      workspace.cli({"integration", "list", "--json", "--db", "sqlite:" + (workspace.dir() / "other.db").string()});
  ASSERT_EQ(other.exit_code(), 0) << other.err;
  EXPECT_EQ(other.out, "[]\n");
}

TEST(IntegrationCli, CreateWithoutMasterKeyFailsNamingTheVariable) {
  Workspace workspace;
  const auto result = workspace.cli_with_env({"integration", "create", "--name", "acme", "--json"},
                                             {{"INEREG_DB", workspace.db_url()}});
  EXPECT_NE(result.exit_code(), 0);
  EXPECT_TRUE(result.status.exited) << describe(result.status);
  EXPECT_NE(result.err.find("INEREG_MASTER_KEY"), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "");

  const auto malformed = workspace.cli({"integration", "create", "--name", "acme"}, {{"INEREG_MASTER_KEY", "abc"}});
  EXPECT_NE(malformed.exit_code(), 0);
  EXPECT_NE(malformed.err.find("64 hex"), std::string::npos) << malformed.err;

  const auto list = workspace.cli({"integration", "list", "--json"});
  ASSERT_EQ(list.exit_code(), 0) << list.err;
  EXPECT_EQ(list.out, "[]\n") << "a failed create must not leave an integration behind";
}

TEST(IntegrationCli, UnknownIdIsAnError) {
  Workspace workspace;
  for (const std::string command : {"rotate-secret", "deactivate", "activate"}) {
    const auto result = workspace.cli({"integration", command, "--id", "no-such-integration"});
    EXPECT_NE(result.exit_code(), 0) << command;
    EXPECT_NE(result.err.find("no integration"), std::string::npos) << command << ": " << result.err;
  }
}

std::vector<std::string> file_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  return lines;
}

TEST(RegistryCli, GenerateWritesHeaderAndCountRowsDeterministically) {
  Workspace workspace;
  const auto first_path = workspace.dir() / "f.csv";
  const auto again_path = workspace.dir() / "g.csv";
  const auto other_path = workspace.dir() / "h.csv";
  const auto first =
      workspace.cli({"registry", "generate", "--count", "2000", "--out", first_path.string(), "--seed", "7"});
  ASSERT_EQ(first.exit_code(), 0) << first.err;
  EXPECT_EQ(first.out, "") << "generate reports on stderr only";

  const auto lines = file_lines(first_path);
  ASSERT_EQ(lines.size(), 2001u);
  EXPECT_EQ(lines.front(), kHeader);
  static const std::regex kRow(R"([CDEFGH],(\d{9})?,(\d{9})?,(\d{13})?,([A-Z0-9]{18})?,(\d{2})?,\d+)");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    ASSERT_TRUE(std::regex_match(lines[i], kRow)) << "line " << i + 1 << ": " << lines[i];
  }

  ASSERT_EQ(workspace.cli({"registry", "generate", "--count", "2000", "--out", again_path.string(), "--seed", "7"})
                .exit_code(),
            0);
  ASSERT_EQ(workspace.cli({"registry", "generate", "--count", "2000", "--out", other_path.string(), "--seed", "8"})
                .exit_code(),
            0);
  EXPECT_EQ(read_file(first_path), read_file(again_path)) << "same seed, same file";
  EXPECT_NE(read_file(first_path), read_file(other_path)) << "another seed, other records";
}

TEST(RegistryCli, ImportReportsEachBadLineAndImportsTheRest) {
  Workspace workspace;
  const auto generated = workspace.dir() / "generated.csv";
  ASSERT_EQ(
      workspace.cli({"registry", "generate", "--count", "40", "--out", generated.string(), "--seed", "3"}).exit_code(),
      0);
  auto lines = file_lines(generated);
  ASSERT_EQ(lines.size(), 41u);

  // Three bad lines at known positions among the 40 good ones; the bad values are
  // distinctive so that the test can see they are not echoed.
  lines.insert(lines.begin() + 4, "G,77777,123456789,,,,1");       // line 5: CIC too short
  lines.insert(lines.begin() + 16, "Z,123456789,123456789,,,,1");  // line 17: no such model
  lines.insert(lines.begin() + 29, "E,123456789,123456789,,,");    // line 30: 6 cells
  const auto mixed = workspace.dir() / "mixed.csv";
  {
    std::ofstream out(mixed);
    for (const auto& line : lines) {
      out << line << "\n";
    }
  }

  const auto result = workspace.cli({"registry", "import", mixed.string()});
  EXPECT_EQ(result.exit_code(), 0) << result.err;
  EXPECT_EQ(result.out, "imported 40 records, 3 bad line(s)\n");
  for (const int line : {5, 17, 30}) {
    EXPECT_NE(result.err.find(mixed.string() + ":" + std::to_string(line) + ": "), std::string::npos)
        << "line " << line << " not reported:\n"
        << result.err;
  }
  static const std::regex kProblem(R"(:\d+: )");
  const std::ptrdiff_t reported =
      std::distance(std::sregex_iterator(result.err.begin(), result.err.end(), kProblem), std::sregex_iterator());
  EXPECT_EQ(reported, 3) << result.err;
  EXPECT_EQ(result.err.find("77777"), std::string::npos) << "problems must not echo the values";

  // The good rows are the active snapshot file now; nothing of them is in the database.
  EXPECT_EQ(query_int(workspace, "SELECT row_count FROM registry_snapshots WHERE name = 'ine'"), 40);
  EXPECT_EQ(query_int(workspace, "SELECT COUNT(*) FROM registry_entries"), 0);
}

TEST(RegistryCli, StatusShowsTheActiveSnapshotAndRollbackReturnsToThePreviousOne) {
  Workspace workspace;
  const auto none = workspace.cli({"registry", "status"});
  EXPECT_EQ(none.exit_code(), 0) << none.err;
  EXPECT_EQ(none.out, "active: none\nprevious: none\n");
  EXPECT_NE(workspace.cli({"registry", "rollback"}).exit_code(), 0);

  generate_and_import(workspace, 30, 11);
  const auto shell = workspace.dir() / "second.sh";
  // The second import reads a gzip file from stdin (the CLI's "-").
  const auto csv = workspace.dir() / "second.csv";
  ASSERT_EQ(workspace.cli({"registry", "generate", "--count", "20", "--out", csv.string(), "--seed", "12"}).exit_code(),
            0);
  ASSERT_EQ(std::system(("gzip -k " + csv.string()).c_str()), 0);
  {
    std::ofstream out(shell);
    out << "exec \"$1\" registry import - < \"$2\"\n";
  }
  SpawnOptions options;
  options.args = {shell.string(), binary_path(), csv.string() + ".gz"};
  options.env = workspace.env();
  options.cwd = workspace.dir().path();
  options.output_dir = workspace.dir().path();
  const auto piped = run_program("/bin/sh", options);
  ASSERT_EQ(piped.exit_code(), 0) << piped.err;
  EXPECT_EQ(piped.out, "imported 20 records, 0 bad line(s)\n");

  const auto status = workspace.cli({"registry", "status"});
  EXPECT_EQ(status.exit_code(), 0) << status.err;
  EXPECT_NE(status.out.find("active: ine-"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("rows 20\n"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("rows 30\n"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("source sha256 "), std::string::npos) << status.out;

  const auto rollback = workspace.cli({"registry", "rollback"});
  EXPECT_EQ(rollback.exit_code(), 0) << rollback.err;
  EXPECT_NE(rollback.out.find("(30 rows)"), std::string::npos) << rollback.out;
  EXPECT_EQ(query_int(workspace, "SELECT row_count FROM registry_snapshots WHERE name = 'ine'"), 30);
}

TEST(RegistryCli, ImportRejectsAWrongHeader) {
  Workspace workspace;
  const auto file = workspace.dir() / "wrong.csv";
  {
    std::ofstream out(file);
    out << "model,cic,citizen,ocr,elector_key,emission_number,situation\n";
    registry::SyntheticRegistry synthetic(5);
    out << registry::format_registry_row(synthetic.make("G", 1)) << "\n";
  }
  const auto result = workspace.cli({"registry", "import", file.string()});
  EXPECT_NE(result.exit_code(), 0);
  EXPECT_NE(result.err.find(file.string() + ":1: header"), std::string::npos) << result.err;

  const auto missing = workspace.cli({"registry", "import", (workspace.dir() / "absent.csv").string()});
  EXPECT_NE(missing.exit_code(), 0);
}

}  // namespace
}  // namespace inereg::functional
