// Several `inereg serve` nodes on one PostgreSQL database: any node answers for a
// session another node created, every submitted check runs exactly once however the
// nodes share the work, and a job leased by a node that dies is taken over only once
// its lease has expired. PostgreSQL only: SQLite is a single-node store.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "functional/harness.hpp"
#include "support/wait_until.hpp"

namespace inereg::functional {
namespace {

constexpr int kClusterRegistrySize = 40;
constexpr int kClusterRegistrySeed = 6'060;

// Session id -> how many times this node logged completing its check (a debug line).
std::map<std::string, int> completions(ChildProcess& node) {
  static const std::regex kCompleted(R"(check for session ([0-9a-f-]+) completed)");
  std::map<std::string, int> counts;
  const std::string text = node.stderr_text();
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kCompleted); it != std::sregex_iterator(); ++it) {
    ++counts[(*it)[1].str()];
  }
  return counts;
}

void expect_answer(const HttpReply& reply, const CsvRow& row) {
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto expected = expected_answer(row.situation);
  const auto body = boost::json::parse(reply.body).as_object();
  EXPECT_EQ(body.at("active").as_bool(), expected.active) << reply.body;
  EXPECT_EQ(body.at("documentState").as_string(), expected.document_state) << reply.body;
}

class MultiNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::postgres_backend()) {
      GTEST_SKIP() << "several nodes share a database only on PostgreSQL (INEREG_TEST_BACKEND=postgres)";
    }
    workspace_.emplace();
    // Created once, through the CLI, for every node: they share the master key and DB.
    integration_ = create_integration(*workspace_, "multi-node");
    rows_ = generate_and_import(*workspace_, kClusterRegistrySize, kClusterRegistrySeed);
  }

  ApiClient client(const Server& node) const {
    return ApiClient(node.port(), integration_.api_key, integration_.secret);
  }
  std::int64_t count(const std::string& sql) const { return query_int(*workspace_, sql); }

  std::optional<Workspace> workspace_;
  Integration integration_;
  std::vector<CsvRow> rows_;
};

TEST_F(MultiNodeTest, ASessionCreatedOnOneNodeIsServedByTheOther) {
  Server a(*workspace_);
  Server b(*workspace_);
  const auto on_a = client(a);
  const auto on_b = client(b);
  const CsvRow& row = rows_.front();

  const std::string created_on_a = on_a.create_session(session_body_for(row));
  const auto undecided = on_b.decision(created_on_a);
  ASSERT_EQ(undecided.status, 200) << undecided.body;
  EXPECT_TRUE(boost::json::parse(undecided.body).at("verification").is_null()) << undecided.body;
  EXPECT_EQ(on_b.ine_registry(created_on_a).status, 404);

  const auto submitted = on_b.submit(created_on_a);
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  expect_answer(on_a.poll_ine_registry(created_on_a), row);
  expect_answer(on_b.ine_registry(created_on_a), row);

  const std::string created_on_b = on_b.create_session(session_body_for(rows_.back()));
  ASSERT_EQ(on_a.submit(created_on_b).status, 200);
  expect_answer(on_b.poll_ine_registry(created_on_b), rows_.back());
}

// Node A caches the session's result; node B deletes the session. A learns of it from
// the deletion journal within about a second, though its cache keeps entries far longer
// (a TTL of a minute here: before the journal, A answered 200 for all of that minute).
TEST_F(MultiNodeTest, ASessionDeletedOnOneNodeDisappearsFromTheOthersCacheWithinSeconds) {
  const EnvVars minute_cache = {{"INEREG_API_RESULT_CACHE_MS", "60000"}};
  Server a(*workspace_, minute_cache);
  Server b(*workspace_, minute_cache);
  const auto on_a = client(a);
  const auto on_b = client(b);
  const CsvRow& row = rows_.front();
  const std::string deleted = on_a.create_session(session_body_for(row));
  const std::string kept = on_a.create_session(session_body_for(rows_.back()));
  for (const auto& id : {deleted, kept}) {
    ASSERT_EQ(on_a.submit(id).status, 200);
    const auto answer = on_a.poll_ine_registry(id);  // now in A's cache
    ASSERT_EQ(answer.status, 200) << answer.body;
  }

  const auto started = std::chrono::steady_clock::now();
  const auto removed = on_b.delete_session(deleted);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(on_b.ine_registry(deleted).status, 404);  // B forgot it at once
  ASSERT_TRUE(testing::wait_until([&] { return on_a.ine_registry(deleted).status == 404; }, std::chrono::seconds(5),
                                  "node A to answer 404 for the session node B deleted"));
  const auto seen_after =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  EXPECT_LT(seen_after.count(), 3'000) << "the journal is read every second";
  expect_answer(on_a.ine_registry(kept), rows_.back());
  EXPECT_EQ(count("SELECT COUNT(*) FROM session_deletions WHERE session_id = '" + deleted + "'"), 1);
}

TEST_F(MultiNodeTest, ChecksSubmittedThroughBothNodesRunExactlyOnce) {
  const EnvVars log_each_check{{"INEREG_LOG_LEVEL", "debug"}};  // the completion lines counted below
  Server a(*workspace_, log_each_check);
  Server b(*workspace_, log_each_check);
  const std::vector<ApiClient> nodes = {client(a), client(b)};

  std::vector<std::string> ids;
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    // Created on one node, submitted through the other, so neither owns a session.
    const auto& creator = nodes[i % 2];
    const auto& submitter = nodes[(i + 1) % 2];
    ids.push_back(creator.create_session(session_body_for(rows_[i])));
    const auto reply = submitter.submit(ids.back());
    ASSERT_EQ(reply.status, 200) << reply.body;
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    SCOPED_TRACE("session " + ids[i]);
    expect_answer(nodes[i % 2].poll_ine_registry(ids[i]), rows_[i]);
  }

  const auto n = static_cast<std::int64_t>(ids.size());
  EXPECT_EQ(count("SELECT COUNT(*) FROM ine_results"), n);
  EXPECT_EQ(count("SELECT COUNT(*) FROM check_jobs"), n);
  EXPECT_EQ(count("SELECT COUNT(*) FROM check_jobs WHERE state = 'done' AND attempts = 1"), n)
      << "every job is claimed once and finished by the node that claimed it";
  for (const auto& id : ids) {
    EXPECT_EQ(count("SELECT COUNT(*) FROM ine_results WHERE session_id = '" + id + "'"), 1) << id;
  }

  // Each check ran on exactly one node, once; both nodes took a share of the work
  // (a submit wakes the local runner, and half the submits went to each node).
  const auto on_a = completions(a.process());
  const auto on_b = completions(b.process());
  for (const auto& id : ids) {
    const int ran_on_a = on_a.contains(id) ? on_a.at(id) : 0;
    const int ran_on_b = on_b.contains(id) ? on_b.at(id) : 0;
    EXPECT_EQ(ran_on_a + ran_on_b, 1) << id << " ran " << ran_on_a << "x on A, " << ran_on_b << "x on B";
  }
  EXPECT_GT(on_a.size(), 0U) << "node A completed no check";
  EXPECT_GT(on_b.size(), 0U) << "node B completed no check";
  EXPECT_EQ(on_a.size() + on_b.size(), ids.size());
}

// Node A claims a check and dies (SIGKILL) before finishing it: the job keeps A's
// lease, no other node may run it until the lease expires, then one node runs it once.
// The local registry answers at once, so to catch A while it holds the lease the test
// row-locks the session: A's claim commits, but finishing (whose result row must
// reference the session) waits for the lock, and A is killed while it waits.
TEST_F(MultiNodeTest, AJobLeasedByAKilledNodeIsTakenOverOnceAfterTheLeaseExpires) {
  constexpr std::int64_t kLeaseMs = 1'500;
  // Debug: each node's completion lines are counted below.
  const EnvVars short_lease = {{"INEREG_CHECKS_LEASE_MS", std::to_string(kLeaseMs)}, {"INEREG_LOG_LEVEL", "debug"}};
  Server b(*workspace_, {{"INEREG_CHECKS_WORKERS", "0"}, {"INEREG_LOG_LEVEL", "debug"}});
  const auto on_b = client(b);
  const CsvRow& row = rows_.front();
  const std::string id = on_b.create_session(session_body_for(row));
  ASSERT_EQ(on_b.submit(id).status, 200);
  ASSERT_EQ(count("SELECT COUNT(*) FROM check_jobs WHERE state = 'pending'"), 1) << "B runs no checks";

  auto locker = workspace_->database().connect();
  locker->query("BEGIN");
  ASSERT_EQ(locker->query("SELECT id FROM sessions WHERE id = $1 FOR UPDATE", {id}), id);

  auto a = std::make_unique<Server>(*workspace_, short_lease);
  auto observer = workspace_->database().connect();
  std::vector<std::optional<std::string>> lease;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const auto found = observer->rows(
            "SELECT state, attempts, lease_owner, lease_until FROM check_jobs WHERE session_id = $1", {id});
        if (found.size() != 1) {
          throw std::runtime_error("the session has " + std::to_string(found.size()) + " check jobs");
        }
        lease = found[0];
        return lease[1] == "1";
      },
      kCheckTimeout, "node A to claim the job"))
      << "stderr:\n"
      << a->process().stderr_text();
  EXPECT_EQ(lease[0], "pending");
  ASSERT_TRUE(lease[2].has_value()) << "a claimed job names its lease owner";
  const std::int64_t lease_until = std::stoll(lease[3].value_or("0"));
  EXPECT_GT(lease_until, 0);

  // A replacement node is up (checks on) before A dies: it must leave the job alone
  // until A's lease has run out.
  Server c(*workspace_, short_lease);
  const ExitStatus killed = a->kill();
  EXPECT_FALSE(killed.exited) << describe(killed);
  locker->query("ROLLBACK");
  const auto a_completions = completions(a->process());
  EXPECT_FALSE(a_completions.contains(id)) << "A died before completing the check";

  expect_answer(on_b.poll_ine_registry(id), row);
  const auto done = observer->rows(
      "SELECT j.state, j.attempts, r.checked_at FROM check_jobs j JOIN ine_results r ON r.session_id = j.session_id "
      "WHERE j.session_id = $1",
      {id});
  ASSERT_EQ(done.size(), 1U) << "exactly one result row";
  EXPECT_EQ(done[0][0], "done");
  EXPECT_EQ(done[0][1], "2") << "claimed by A, then once by the node that took over";
  EXPECT_GE(std::stoll(done[0][2].value_or("0")), lease_until) << "taken over before A's lease expired";
  const auto c_completions = completions(c.process());
  ASSERT_TRUE(c_completions.contains(id)) << c.process().stderr_text();
  EXPECT_EQ(c_completions.at(id), 1);
  EXPECT_TRUE(completions(b.process()).empty()) << "B runs no checks";
}

}  // namespace
}  // namespace inereg::functional
