// What completing a batch of checks costs the database on PostgreSQL: a fixed number of
// statements per batch, whatever its size. The check pipeline completes hundreds of
// checks a second in batches; a statement per check in that path is a round trip and
// a plan execution per check (issue 14, item 5: a read of the integration's webhook
// URLs per session was one). Counted with pg_stat_statements, which
// scripts/pg-test-server.sh loads; on a server that does not load it the test skips.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backend_store_test.hpp"
#include "registry/registry_file.hpp"

namespace inereg::store {
namespace {

constexpr TimeMs kLongLease = 60'000;  // outlives the whole batch

class CompletionCostStoreTest : public BackendStoreTest {
 protected:
  void SetUp() override {
    open_store(WebhookUrls{});
    if (IsSkipped()) {
      return;
    }
    database_connection_ = std::make_unique<testing::PgConnection>(testing::with_database(admin_url_, database_));
    const auto preloaded = database_connection_->rows("SHOW shared_preload_libraries");
    if (preloaded.at(0).at(0).value_or("").find("pg_stat_statements") == std::string::npos) {
      GTEST_SKIP() << "the server does not load pg_stat_statements (scripts/pg-test-server.sh does)";
    }
    database_connection_->rows("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  }

  // `count` sessions submitted, their checks claimed; the claims, in creation order.
  std::vector<ClaimedCheck> claimed_checks(int count) {
    for (int i = 0; i < count; ++i) {
      Session s;
      s.id = "s" + std::to_string(i);
      s.integration_id = "i1";
      s.ine_document = true;
      s.credential = synthetic_.next().credential;
      s.person_json = R"({"firstName":"ANA","lastName":"PRUEBA"})";
      s.vendor_data = "vendor-" + s.id;
      s.created_at = kT0;
      sessions_->create(s);
      EXPECT_EQ(sessions_->submit(s.id, "a" + std::to_string(i), kT0 + i).outcome,
                sessions::SubmitResult::Outcome::kSubmitted);
    }
    auto claimed = store_->claim_checks("w", kT0 + count, kLongLease, count + 1);
    EXPECT_EQ(claimed.size(), static_cast<std::size_t>(count));
    return claimed;
  }

  // The statements (BEGIN and COMMIT included) this database ran while the workflow
  // completed `claims` with active verdicts.
  long completion_statements(std::span<const ClaimedCheck> claims) {
    database_connection_->rows(
        "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)");
    std::vector<sessions::CheckVerdict> verdicts;
    for (const auto& claim : claims) {
      verdicts.push_back({{claim.session_id, claim.attempts}, IneResult{true, "La credencial esta vigente", 1, 0}});
    }
    EXPECT_EQ(sessions_->complete_checks("w", verdicts, kT0 + 1'000), std::vector<bool>(claims.size(), true));
    const auto counted = database_connection_->rows(
        "SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
        "WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'");
    return std::stol(counted.at(0).at(0).value());
  }

  registry::SyntheticRegistry synthetic_{11};
  std::unique_ptr<testing::PgConnection> database_connection_;
};

TEST_P(CompletionCostStoreTest, ABatchCostsTheSameStatementsWhateverItsSize) {
  const auto claimed = claimed_checks(33);
  const std::span<const ClaimedCheck> all(claimed);
  const long one = completion_statements(all.first(1));
  EXPECT_GT(one, 2) << "BEGIN, the completion's statements, COMMIT";
  EXPECT_EQ(completion_statements(all.subspan(1, 16)), one) << "a batch of 16";

  // With webhooks queued too: one more statement (the deliveries' insert), not one per session.
  ASSERT_TRUE(store_->set_integration_webhooks(
      "i1", WebhookUrls{"https://hooks.example/decision", "https://hooks.example/events", "https://hooks.example/ine",
                        "", ""}));
  const long with_webhooks = completion_statements(all.subspan(17, 1));
  EXPECT_EQ(with_webhooks, one + 1);
  EXPECT_EQ(completion_statements(all.subspan(18, 15)), with_webhooks) << "a batch of 15 with webhooks";
  DeliveryFilter filter;
  filter.session_id = "s32";
  EXPECT_EQ(store_->list_webhook_deliveries(filter).size(), 2U) << "the INE and decision webhooks";
}

// PostgreSQL only: SQLite runs in the process, without round trips to count.
INSTANTIATE_TEST_SUITE_P(Backends, CompletionCostStoreTest, ::testing::Values("postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace inereg::store
