// CURP checks (issue 16) on both backends: a session getting both checks, where one check
// answers and the other does not — its result is recorded and sent, the job retried for
// the missing check only, and the session decided (with the INE+CURP webhook) once both
// have answered; a lost claim records nothing; the RENAPO snapshot and the integration's
// checks setting. SQLite always; PostgreSQL when INEREG_TEST_POSTGRES_URL is set.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "auth/signing.hpp"
#include "backend_store_test.hpp"
#include "ine/curp_status.hpp"
#include "registry/curp_registry.hpp"

namespace inereg::store {
namespace {

constexpr std::string_view kCurp = "PEGJ850412HDFRRN06";  // ine-domain.md §3.5's synthetic example

class CurpStoreTest : public BackendStoreTest {
 protected:
  void SetUp() override {
    const std::string hook = "https://hooks.example/h";
    open_store(WebhookUrls{hook, "", hook, hook, hook});
  }

  // A submitted session getting both checks, with INE lookup data and a CURP.
  void add_submitted(const std::string& id) {
    Session s;
    s.id = id;
    s.integration_id = "i1";
    s.ine_document = true;
    s.registry_checks = RegistryChecks::kBoth;
    s.credential.cic = "187006412";
    s.credential.citizen_id = "118903355";
    s.credential.curp = std::string(kCurp);
    s.created_at = kT0;
    sessions_->create(s);
    ASSERT_EQ(sessions_->submit(id, "a", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  }

  std::map<std::string, int> queued_kinds(const std::string& session_id) {
    DeliveryFilter filter;
    filter.session_id = session_id;
    std::map<std::string, int> kinds;
    for (const auto& delivery : store_->list_webhook_deliveries(filter)) {
      ++kinds[std::string(webhook_kind_name(delivery.kind))];
    }
    return kinds;
  }
};

TEST_P(CurpStoreTest, OneCheckAnsweringIsRecordedAndTheJobRetriedForTheOtherOnly) {
  add_submitted("s1");
  auto claimed = store_->claim_checks("w", kT0 + 1, kLease, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_TRUE(claimed[0].ine_due);
  EXPECT_TRUE(claimed[0].curp_due);

  // The INE registry answered, RENAPO did not.
  const std::vector<sessions::CheckVerdict> ine_only{
      {{"s1", claimed[0].attempts}, IneResult{true, "La credencial esta vigente", 1, 0}, std::nullopt, {}, kT0 + 500}};
  ASSERT_EQ(sessions_->complete_checks("w", ine_only, kT0 + 2), std::vector<bool>{true});
  EXPECT_EQ(store_->find_session("s1")->status, "submitted");
  auto answer = store_->find_check_answer("s1");
  ASSERT_TRUE(answer);
  EXPECT_TRUE(answer->ine);
  EXPECT_FALSE(answer->curp_result);
  EXPECT_EQ(answer->curp, kCurp);
  EXPECT_EQ(queued_kinds("s1"), (std::map<std::string, int>{{"ine", 1}})) << "the INE webhook, no decision yet";
  EXPECT_EQ(store_->pending_check_count(), 1);
  EXPECT_TRUE(store_->claim_checks("w", kT0 + 499, kLease, 10).empty()) << "due at the retry time, not before";

  claimed = store_->claim_checks("w", kT0 + 500, kLease, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_FALSE(claimed[0].ine_due) << "the INE result is recorded: not asked again";
  EXPECT_TRUE(claimed[0].curp_due);
  const std::vector<sessions::CheckVerdict> curp{{{"s1", claimed[0].attempts}, std::nullopt, CurpResult{4, 0}, {}}};
  ASSERT_EQ(sessions_->complete_checks("w", curp, kT0 + 600), std::vector<bool>{true});
  EXPECT_EQ(store_->find_session("s1")->status, "approved");
  answer = store_->find_check_answer("s1");
  ASSERT_TRUE(answer->curp_result);
  EXPECT_EQ(answer->curp_result->status, 4);
  EXPECT_EQ(answer->curp_result->checked_at, kT0 + 600);
  EXPECT_EQ(queued_kinds("s1"),
            (std::map<std::string, int>{{"curp", 1}, {"decision", 1}, {"ine", 1}, {"ine_curp", 1}}));
  EXPECT_EQ(store_->pending_check_count(), 0);
}

TEST_P(CurpStoreTest, AnInactiveCurpDeclinesAndALostClaimRecordsNothing) {
  add_submitted("s1");
  const auto first = store_->claim_checks("a", kT0 + 1, kLease, 10);
  const auto second = store_->claim_checks("b", kT0 + 1 + kLease, kLease, 10);  // a's lease expired
  ASSERT_EQ(second.size(), 1U);
  const std::vector<sessions::CheckVerdict> by_a{
      {{"s1", first[0].attempts}, IneResult{true, "La credencial esta vigente", 1, 0}, CurpResult{6, 0}, {}}};
  EXPECT_EQ(sessions_->complete_checks("a", by_a, kT0 + 1001), std::vector<bool>{false});
  EXPECT_FALSE(store_->find_check_answer("s1")->ine);
  const std::vector<sessions::CheckVerdict> by_b{
      {{"s1", second[0].attempts}, IneResult{true, "La credencial esta vigente", 1, 0}, CurpResult{6, 0}, {}}};
  EXPECT_EQ(sessions_->complete_checks("b", by_b, kT0 + 1002), std::vector<bool>{true});
  EXPECT_EQ(store_->find_session("s1")->status, "declined") << "BD (Baja por defuncion) does not pass";
}

// The INE snapshot files' registry (migration 15): activation keeps the replaced file,
// a rollback swaps the two, the legacy table of clear keys can be emptied.
TEST_P(CurpStoreTest, ActivatingASnapshotFileKeepsThePreviousForARollback) {
  EXPECT_FALSE(store_->find_registry_snapshot(kIneSnapshot).active);
  EXPECT_FALSE(store_->rollback_registry_snapshot(kIneSnapshot));
  store_->set_snapshot_date(kIneSnapshot, 5);  // an import of the legacy table
  store_->activate_registry_snapshot(kIneSnapshot, SnapshotFileRecord{"ine-10-aa.snapshot", 97'500'000, 10, "aa"});
  auto state = store_->find_registry_snapshot(kIneSnapshot);
  ASSERT_TRUE(state.active);
  EXPECT_EQ(state.active->file, "ine-10-aa.snapshot");
  EXPECT_EQ(state.active->row_count, 97'500'000);
  EXPECT_EQ(state.active->imported_at, 10);
  EXPECT_EQ(state.active->source_sha256, "aa");
  EXPECT_FALSE(state.previous) << "the legacy table is no file to return to";
  EXPECT_FALSE(store_->rollback_registry_snapshot(kIneSnapshot));

  store_->activate_registry_snapshot(kIneSnapshot, SnapshotFileRecord{"ine-20-bb.snapshot", 7, 20, "bb"});
  state = store_->find_registry_snapshot(kIneSnapshot);
  EXPECT_EQ(state.active.value().file, "ine-20-bb.snapshot");
  EXPECT_EQ(state.previous.value().file, "ine-10-aa.snapshot");
  EXPECT_EQ(state.previous->row_count, 97'500'000);
  EXPECT_EQ(store_->find_snapshot_date(kIneSnapshot), 20);

  ASSERT_TRUE(store_->rollback_registry_snapshot(kIneSnapshot));
  state = store_->find_registry_snapshot(kIneSnapshot);
  EXPECT_EQ(state.active.value().file, "ine-10-aa.snapshot");
  EXPECT_EQ(state.previous.value().file, "ine-20-bb.snapshot");
  EXPECT_EQ(store_->find_snapshot_date(kIneSnapshot), 10);
  EXPECT_FALSE(store_->find_registry_snapshot(kCurpSnapshot).active);

  const RegistryEntry legacy{"D|187006412|0427118903355", "D", 21};
  store_->upsert_registry_entries(std::span(&legacy, 1));
  store_->clear_registry_entries();
  EXPECT_EQ(store_->registry_entry_count(), 0);
}

TEST_P(CurpStoreTest, TheSnapshotKeepsHashesAndTheIntegrationItsChecks) {
  const std::vector<CurpRegistryEntry> entries{{"aa", 1}, {"bb", 6}, {"aa", 4}};  // the later "aa" wins
  store_->upsert_curp_registry_entries(entries);
  EXPECT_EQ(store_->curp_registry_entry_count(), 2);
  EXPECT_EQ(store_->find_curp_registry_status("aa"), 4);
  EXPECT_EQ(store_->find_curp_registry_status("bb"), 6);
  EXPECT_FALSE(store_->find_curp_registry_status("cc"));

  EXPECT_EQ(store_->find_integration("i1")->registry_checks, RegistryChecks::kIne) << "the default";
  ASSERT_TRUE(store_->set_integration_registry_checks("i1", RegistryChecks::kBoth));
  EXPECT_EQ(store_->find_integration_by_api_key("key-i1")->registry_checks, RegistryChecks::kBoth);
  EXPECT_FALSE(store_->set_integration_registry_checks("nope", RegistryChecks::kCurp));
  const auto urls = store_->find_integration_webhooks("i1");
  ASSERT_TRUE(urls);
  EXPECT_EQ(urls->curp, "https://hooks.example/h");
  EXPECT_EQ(urls->ine_curp, "https://hooks.example/h");
}

INSTANTIATE_TEST_SUITE_P(Backends, CurpStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The RENAPO snapshot through a master key rotation: a snapshot answers under the key it
// was made under — the current one, or the previous one during a rotation — and with
// any other key it is unavailable, never "not found" (migration 16's key id).
TEST_P(CurpStoreTest, ACurpSnapshotAnswersUnderTheKeyItWasMadeUnderAndIsUnavailableUnderAnother) {
  const auto hash_under = [](std::string key) -> registry::CurpHash {
    return [key](std::string_view curp) { return auth::hmac_sha256_hex(key, curp); };
  };
  const auto old_key = hash_under("old master key's CURP key");
  const auto new_key = hash_under("new master key's CURP key");
  const auto ask = [this](registry::CurpKeys keys) {
    registry::LocalCurpRegistry local(*store_, std::move(keys));
    registry::LookupOutcome answer;
    local.ask(registry::Lookup{{ine::LookupKey{ine::LookupForm::kCurp, "CURP|" + std::string(kCurp)}}},
              [&](registry::LookupOutcome outcome) { answer = std::move(outcome); });
    return answer;
  };
  std::istringstream csv(std::string(registry::kCurpCsvHeader) + "\n" + std::string(kCurp) + ",AN\n");
  ASSERT_EQ(registry::import_curp_registry(*store_, csv, old_key).imported, 1);
  EXPECT_EQ(store_->find_snapshot_key_id(kCurpSnapshot), registry::curp_key_id(old_key));

  const auto before = ask({old_key, {}});
  ASSERT_EQ(before.kind, registry::LookupOutcome::Kind::kVerdict);
  const int status = before.situation;
  EXPECT_NE(status, ine::kCurpNotFound);
  const auto rotating = ask({new_key, old_key});
  EXPECT_EQ(rotating.kind, registry::LookupOutcome::Kind::kVerdict);
  EXPECT_EQ(rotating.situation, status);
  EXPECT_EQ(ask({new_key, {}}).kind, registry::LookupOutcome::Kind::kUnavailable)
      << "a snapshot of the old key, after the rotation, is not a registry without this CURP";

  std::istringstream again(std::string(registry::kCurpCsvHeader) + "\n" + std::string(kCurp) + ",AN\n");
  ASSERT_EQ(registry::import_curp_registry(*store_, again, new_key).imported, 1);
  const auto after = ask({new_key, {}});
  EXPECT_EQ(after.kind, registry::LookupOutcome::Kind::kVerdict);
  EXPECT_EQ(after.situation, status);
}

}  // namespace
}  // namespace inereg::store
