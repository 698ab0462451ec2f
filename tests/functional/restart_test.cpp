// Stops and restarts of the real server process: graceful (SIGTERM) and abrupt
// (SIGKILL). An acknowledged submit must survive both and be checked exactly once.
#include <gtest/gtest.h>

#include <signal.h>

#include <boost/json.hpp>

#include "functional/harness.hpp"

namespace inereg::functional {
namespace {

struct Pending {
  std::string session_id;
  ExpectedAnswer expected;
};

// Creates and submits one session per row, asserting the acknowledgement.
std::vector<Pending> submit_all(const ApiClient& client, const std::vector<CsvRow>& rows) {
  std::vector<Pending> pending;
  for (const auto& row : rows) {
    const auto id = client.create_session(session_body_for(row));
    const auto reply = client.submit(id);
    EXPECT_EQ(reply.status, 200) << reply.body;
    pending.push_back(
        {id, row.line == 0 ? ExpectedAnswer{false, std::string(kNotFoundState)} : expected_answer(row.situation)});
  }
  return pending;
}

// Rows of every lookup form plus one credential the registry has no record of.
std::vector<CsvRow> mixed_rows(const std::vector<CsvRow>& rows) {
  return {
      first_row(rows, [](const CsvRow& r) { return r.model >= "E" && r.situation == 1; }),
      first_row(rows, [](const CsvRow& r) { return r.model >= "E" && r.situation != 1; }),
      first_row(rows, [](const CsvRow& r) { return r.model == "D"; }),
      first_row(rows, [](const CsvRow& r) { return r.model == "C"; }),
      unregistered_credential("H"),
  };
}

void expect_pending(const ApiClient& client, const Pending& p) {
  const auto reply = client.ine_registry(p.session_id);
  EXPECT_EQ(reply.status, 404) << reply.body;
  EXPECT_EQ(json_string(reply.body, "code"), "1101") << reply.body;
  EXPECT_TRUE(reply.has_header("retry-after")) << "a pending check answers 404 with Retry-After";
}

// Every session has its one answer, and the store holds exactly one result per session
// and no job still pending.
void expect_all_answered(const Workspace& workspace, const ApiClient& client, const std::vector<Pending>& pending) {
  for (const auto& p : pending) {
    SCOPED_TRACE("session " + p.session_id);
    const auto reply = client.poll_ine_registry(p.session_id);
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto body = boost::json::parse(reply.body).as_object();
    EXPECT_EQ(body.at("active").as_bool(), p.expected.active) << reply.body;
    EXPECT_EQ(body.at("documentState").as_string(), p.expected.document_state) << reply.body;
    EXPECT_EQ(query_int(workspace, "SELECT COUNT(*) FROM ine_results WHERE session_id = '" + p.session_id + "'"), 1);
    // Asked again, the answer is the same one.
    EXPECT_EQ(client.ine_registry(p.session_id).body, reply.body);
  }
  EXPECT_EQ(query_int(workspace, "SELECT COUNT(*) FROM ine_results"), static_cast<std::int64_t>(pending.size()));
  EXPECT_EQ(query_int(workspace, "SELECT COUNT(*) FROM check_jobs WHERE state = 'pending'"), 0);
}

void expect_graceful_exit(Server& server) {
  const auto status = server.terminate();
  ASSERT_TRUE(status.has_value()) << "serve did not stop on SIGTERM within the deadline";
  EXPECT_TRUE(status->exited && status->code == 0) << describe(*status) << "\n" << server.process().stderr_text();
}

class RestartWhilePending : public ::testing::TestWithParam<int> {};

TEST_P(RestartWhilePending, EverySubmittedSessionGetsExactlyOneResultAfterRestart) {
  const int stop_signal = GetParam();
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  const auto rows = mixed_rows(generate_and_import(workspace, 400, 5));

  std::vector<Pending> pending;
  {
    Server paused(workspace, {{"INEREG_CHECKS_WORKERS", "0"}});
    const ApiClient client(paused.port(), integration.api_key, integration.secret);
    pending = submit_all(client, rows);
    for (const auto& p : pending) {
      expect_pending(client, p);
    }
    if (stop_signal == SIGTERM) {
      expect_graceful_exit(paused);
    } else {
      const auto status = paused.kill();
      EXPECT_EQ(status.signal, SIGKILL) << describe(status);
    }
  }

  Server resumed(workspace);
  EXPECT_EQ(resumed.pending_at_start(), static_cast<int>(pending.size()));
  const ApiClient client(resumed.port(), integration.api_key, integration.secret);
  expect_all_answered(workspace, client, pending);
  expect_graceful_exit(resumed);
}

INSTANTIATE_TEST_SUITE_P(StopSignals, RestartWhilePending, ::testing::Values(SIGTERM, SIGKILL),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == SIGTERM ? std::string("Sigterm") : std::string("Sigkill");
                         });

TEST(Durability, AcknowledgedSubmitSurvivesSigkill) {
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  const auto rows = generate_and_import(workspace, 200, 9);
  const auto vigente = first_row(rows, [](const CsvRow& r) { return r.model >= "E" && r.situation == 1; });

  std::string session_id;
  {
    Server server(workspace, {{"INEREG_CHECKS_WORKERS", "0"}});
    const ApiClient client(server.port(), integration.api_key, integration.secret);
    session_id = client.create_session(session_body_for(vigente));
    const auto ack = client.submit(session_id);
    ASSERT_EQ(ack.status, 200) << ack.body;
    server.kill();  // right after the acknowledgement: no graceful shutdown, no flush
  }
  {
    // Still submitted, its check still queued: the 200 was a durable promise.
    Server server(workspace, {{"INEREG_CHECKS_WORKERS", "0"}});
    EXPECT_EQ(server.pending_at_start(), 1);
    const ApiClient client(server.port(), integration.api_key, integration.secret);
    expect_pending(client, {session_id, {}});
    EXPECT_EQ(
        query_int(workspace, "SELECT COUNT(*) FROM sessions WHERE id = '" + session_id + "' AND status = 'submitted'"),
        1);
    server.kill();
  }
  Server server(workspace);
  const ApiClient client(server.port(), integration.api_key, integration.secret);
  expect_all_answered(workspace, client, {{session_id, {true, std::string(kVigenteState)}}});
  expect_graceful_exit(server);
}

TEST(Durability, SigkillWhileWorkersRunLosesNoCheck) {
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  const auto rows = generate_and_import(workspace, 200, 13);
  // A short lease, so that a job claimed by the killed process is taken over quickly.
  const EnvVars env{{"INEREG_CHECKS_LEASE_MS", "500"}};

  std::vector<Pending> pending;
  {
    Server server(workspace, env);
    const ApiClient client(server.port(), integration.api_key, integration.secret);
    std::vector<CsvRow> batch(rows.begin(), rows.begin() + 20);
    pending = submit_all(client, batch);
    server.kill();
  }
  Server server(workspace, env);
  const ApiClient client(server.port(), integration.api_key, integration.secret);
  expect_all_answered(workspace, client, pending);
  expect_graceful_exit(server);
}

TEST(Shutdown, SigtermWhileIdleExitsZeroWithinFiveSeconds) {
  Workspace workspace;
  Server server(workspace);
  const auto started = Clock::now();
  const auto status = server.terminate(milliseconds(5'000));
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  ASSERT_TRUE(status.has_value()) << "still running 5 s after SIGTERM";
  EXPECT_TRUE(status->exited && status->code == 0) << describe(*status);
  EXPECT_LT(took.count(), 5'000);
  EXPECT_NE(server.process().stderr_text().find("inereg stopped"), std::string::npos) << server.process().stderr_text();
}

}  // namespace
}  // namespace inereg::functional
