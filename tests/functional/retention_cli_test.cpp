// Retention as an operator drives it, against the real binary and a real server:
// `integration set-retention`, `retention status`, `retention run` — the purge of a
// decided session's personal data (its decision made older behind the service's back,
// so the test need not wait a day) and what the status report counts.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "functional/harness.hpp"

namespace inereg::functional {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;

boost::json::object status_of(const Workspace& workspace) {
  const auto status = workspace.cli({"retention", "status", "--json"});
  EXPECT_EQ(status.exit_code(), 0) << status.err;
  return boost::json::parse(status.out).as_object();
}

TEST(RetentionCli, SetRetentionStoresThePeriodsAndRefusesWhatIsNotOne) {
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  auto report = status_of(workspace);
  EXPECT_TRUE(report.at("lastRun").is_null());
  EXPECT_EQ(report.at("integrations").at(0).at("retention"), "off");  // off by default

  const auto set = workspace.cli(
      {"integration", "set-retention", integration.id, "--personal-data", "30d", "--delivered-webhooks", "12h"});
  ASSERT_EQ(set.exit_code(), 0) << set.err;
  EXPECT_EQ(set.out, integration.id + " retention 30d  delivered webhooks kept 12h\n");
  // One option keeps the other.
  ASSERT_EQ(workspace.cli({"integration", "set-retention", integration.id, "--personal-data", "90m"}).exit_code(), 0);
  EXPECT_EQ(query_int(workspace, "SELECT retention_ms FROM integrations"), 90LL * 60'000);
  EXPECT_EQ(query_int(workspace, "SELECT delivered_webhook_retention_ms FROM integrations"), 12LL * 3'600'000);
  for (const std::string bad : {"30", "0d", "1w", "-1d"}) {
    EXPECT_EQ(workspace.cli({"integration", "set-retention", integration.id, "--personal-data", bad}).exit_code(), 1)
        << bad;
  }
  EXPECT_EQ(workspace.cli({"integration", "set-retention", integration.id}).exit_code(), 1);
  EXPECT_EQ(workspace.cli({"integration", "set-retention", "no-such-id", "--personal-data", "1d"}).exit_code(), 1);
  report = status_of(workspace);
  EXPECT_EQ(report.at("integrations").at(0).at("retention"), "90m");
  EXPECT_EQ(report.at("integrations").at(0).at("deliveredWebhookRetention"), "12h");
}

TEST(RetentionCli, RunPurgesADecidedSessionDueAndStatusCountsIt) {
  Workspace workspace;
  const auto rows = generate_and_import(workspace, 20, 5);
  const auto integration = create_integration(workspace, "acme");
  ASSERT_EQ(workspace.cli({"integration", "set-retention", integration.id, "--personal-data", "1d"}).exit_code(), 0);
  std::string purged_id;
  std::string kept_id;
  {
    Server server(workspace);
    const ApiClient client(server.port(), integration.api_key, integration.secret);
    for (auto* id : {&purged_id, &kept_id}) {
      *id = client.create_session(session_body_for(rows[id == &purged_id ? 0 : 1]));
      ASSERT_EQ(client.submit(*id).status, 200);
      ASSERT_EQ(client.poll_ine_registry(*id).status, 200);
    }
    ASSERT_TRUE(server.terminate().has_value());
  }
  // Decided two days ago, as far as retention can tell.
  workspace.database().exec("UPDATE sessions SET decided_at = decided_at - " + std::to_string(2 * kDayMs) +
                            " WHERE id = '" + purged_id + "'");

  const auto run = workspace.cli({"retention", "run"});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_EQ(run.out, "1 session(s) purged, 0 delivered webhook(s) pruned\n");
  EXPECT_EQ(query_int(workspace, "SELECT COUNT(*) FROM sessions WHERE purged_at IS NOT NULL"), 1);
  EXPECT_EQ(
      query_int(workspace,
                "SELECT COUNT(*) FROM sessions WHERE id = '" + purged_id +
                    "' AND cic = '' AND citizen_id = '' AND person_json = '{}' AND status IN ('approved', 'declined')"
                    " AND decided_at IS NOT NULL"),
      1);
  EXPECT_EQ(query_int(workspace, "SELECT COUNT(*) FROM sessions WHERE id = '" + kept_id + "' AND cic <> ''"), 1);
  EXPECT_EQ(query_int(workspace, "SELECT COUNT(*) FROM ine_results"), 2) << "the verdicts stay";

  const auto report = status_of(workspace);
  const auto& counts = report.at("integrations").at(0).as_object();
  EXPECT_EQ(counts.at("sessionsPurged"), 1);
  EXPECT_EQ(counts.at("webhooksPruned"), 0);
  EXPECT_TRUE(counts.at("lastPurgedAt").is_string());
  EXPECT_EQ(report.at("lastRun").at("sessionsPurged"), 1);
  // Again: nothing more is due.
  EXPECT_EQ(workspace.cli({"retention", "run"}).out, "0 session(s) purged, 0 delivered webhook(s) pruned\n");
  EXPECT_EQ(status_of(workspace).at("integrations").at(0).at("sessionsPurged"), 1);
}

}  // namespace
}  // namespace inereg::functional
