// Re-checks as an operator drives them: `integration set-recheck` (the per-integration
// recheck.interval) and `registry recheck`, against the real binary; a running server
// answers the queued re-check and shows it in the history endpoint.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "functional/harness.hpp"
#include "support/wait_until.hpp"

namespace inereg::functional {
namespace {

std::string recheck_interval_listed(const Workspace& workspace, const std::string& id) {
  const auto listed = workspace.cli({"integration", "list", "--json"});
  EXPECT_EQ(listed.exit_code(), 0) << listed.err;
  const auto all = boost::json::parse(listed.out);
  for (const auto& entry : all.as_array()) {
    if (entry.at("id").as_string() == id) {
      return std::string(entry.at("recheckInterval").as_string());
    }
  }
  return "(not listed)";
}

TEST(RecheckCli, SetRecheckStoresTheIntervalAndRefusesWhatIsNotOne) {
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  EXPECT_EQ(recheck_interval_listed(workspace, integration.id), "off");  // off by default

  const auto set = workspace.cli({"integration", "set-recheck", integration.id, "--interval", "30d"});
  ASSERT_EQ(set.exit_code(), 0) << set.err;
  EXPECT_EQ(set.out, integration.id + " recheck.interval 30d\n");
  EXPECT_EQ(recheck_interval_listed(workspace, integration.id), "30d");
  EXPECT_EQ(query_int(workspace, "SELECT recheck_interval_ms FROM integrations"), 30LL * 86'400'000);

  for (const std::string bad : {"30", "0d", "-1d", "1w", "d", "12.5h"}) {
    const auto refused = workspace.cli({"integration", "set-recheck", integration.id, "--interval", bad});
    EXPECT_EQ(refused.exit_code(), 1) << bad;
    EXPECT_NE(refused.err.find("--interval"), std::string::npos) << refused.err;
  }
  EXPECT_EQ(workspace.cli({"integration", "set-recheck", "no-such-id", "--interval", "1d"}).exit_code(), 1);
  EXPECT_EQ(recheck_interval_listed(workspace, integration.id), "30d");

  ASSERT_EQ(workspace.cli({"integration", "set-recheck", integration.id, "--interval", "12h"}).exit_code(), 0);
  EXPECT_EQ(recheck_interval_listed(workspace, integration.id), "12h");
  ASSERT_EQ(workspace.cli({"integration", "set-recheck", integration.id, "--interval", "off"}).exit_code(), 0);
  EXPECT_EQ(recheck_interval_listed(workspace, integration.id), "off");
}

TEST(RecheckCli, RegistryRecheckQueuesWhatTheServerThenAnswers) {
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  const auto rows = generate_and_import(workspace, 200, 5);
  const auto vigente = first_row(rows, [](const CsvRow& r) { return r.model >= "E" && r.situation == 1; });
  Server server(workspace);
  const ApiClient client(server.port(), integration.api_key, integration.secret);
  const std::string id = client.create_session(session_body_for(vigente));
  ASSERT_EQ(client.submit(id).status, 200);
  ASSERT_EQ(client.poll_ine_registry(id).status, 200);

  const auto queued = workspace.cli({"registry", "recheck", "--session", id});
  ASSERT_EQ(queued.exit_code(), 0) << queued.err;
  EXPECT_EQ(queued.out.rfind("queued 1 re-check(s)", 0), 0U) << queued.out;
  testing::HttpReply history;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        history = client.ine_rechecks(id);
        const auto parsed = boost::json::parse(history.body);
        const auto& entries = parsed.at("rechecks").as_array();
        return !entries.empty() && entries[0].at("state").as_string() == "done";
      },
      kCheckTimeout, "the re-check answered by the server"))
      << history.body;
  const auto entry = boost::json::parse(history.body).at("rechecks").at(0).as_object();
  EXPECT_EQ(entry.at("requestedBy").as_string(), "operator");
  EXPECT_EQ(entry.at("result").at("active").as_bool(), true);
  EXPECT_EQ(entry.at("changed").as_bool(), false);

  // By integration and decision date: every session decided before it, none after.
  const auto all =
      workspace.cli({"registry", "recheck", "--integration", integration.id, "--decided-before", "2999-01-01"});
  ASSERT_EQ(all.exit_code(), 0) << all.err;
  EXPECT_EQ(all.out.rfind("queued 1 re-check(s)", 0), 0U) << all.out;
  const auto none = workspace.cli(
      {"registry", "recheck", "--integration", integration.id, "--decided-before", "2000-01-01T00:00:00Z"});
  ASSERT_EQ(none.exit_code(), 0) << none.err;
  EXPECT_EQ(none.out.rfind("queued 0 re-check(s)", 0), 0U) << none.out;

  EXPECT_EQ(workspace.cli({"registry", "recheck", "--session", "no-such-session"}).exit_code(), 1);
  EXPECT_EQ(
      workspace.cli({"registry", "recheck", "--integration", integration.id, "--decided-before", "soon"}).exit_code(),
      1);
  EXPECT_NE(workspace.cli({"registry", "recheck", "--integration", integration.id}).exit_code(), 0);
  EXPECT_NE(workspace.cli({"registry", "recheck"}).exit_code(), 0);
  EXPECT_NE(workspace.cli({"registry", "recheck", "--session", id, "--integration", integration.id}).exit_code(), 0);
  ASSERT_TRUE(server.terminate());
}

}  // namespace
}  // namespace inereg::functional
