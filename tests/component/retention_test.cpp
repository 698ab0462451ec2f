// Retention over real HTTP: once a session's personal data is purged
// (sessions::RetentionSweeper, driven here with a clock days ahead), every GET of the
// session still answers 200 in the documented shape — the same members — with the
// decision, status, times and registry result unchanged and each personal member null.
#include "service_fixture.hpp"

#include "auth/signing.hpp"
#include "sessions/retention_sweeper.hpp"
#include "util/time.hpp"

namespace inereg::component {
namespace {

constexpr store::TimeMs kDay = 86'400'000;

// True when `a` and `b` have the same members at every level (values may differ, e.g. a
// string that became null); `where` names the first difference.
bool same_members(const boost::json::value& a, const boost::json::value& b, std::string& where,
                  const std::string& path = "") {
  if (!a.is_object() || !b.is_object()) {
    return true;
  }
  const auto& x = a.as_object();
  const auto& y = b.as_object();
  if (x.size() != y.size()) {
    where = path + " (member count)";
    return false;
  }
  for (const auto& [key, value] : x) {
    const auto* other = y.if_contains(key);
    if (other == nullptr) {
      where = path + "." + std::string(key);
      return false;
    }
    if (!same_members(value, *other, where, path + "." + std::string(key))) {
      return false;
    }
  }
  return true;
}

using RetentionTest = ComponentTest;

TEST_F(RetentionTest, APurgedSessionAnswersEveryGetInTheDocumentedShapeWithoutPersonalData) {
  const std::string body = R"({"verification":{"vendorData":"vd-retention","person":{"firstName":"ANA",)"
                           R"("lastName":"PRUEBA","ineIdentifier":")" +
                           vigente_.credential.citizen_id + R"("},"document":{"number":")" + vigente_.credential.cic +
                           R"(","country":"MX","type":"ID_CARD"}}})";
  const std::string id = client_->create_and_submit(body);
  const auto decided = client_->wait_decision(id);
  const auto person_before = parse_object(client_->person(id).body);
  const auto registry_before = client_->wait_ine_registry(id);
  ASSERT_EQ(registry_before.status, 200);

  auto& store = service().store();
  ASSERT_TRUE(store.set_integration_retention(client_->integration_id(), kDay, 0));
  sessions::SessionWorkflow workflow(store, nullptr);
  const auto later = util::wall_clock_ms() + kDay + 60'000;
  sessions::RetentionSweeper sweeper(store, workflow, sessions::RetentionOptions{}, [later] { return later; });
  EXPECT_EQ(sweeper.sweep_once().sessions_purged, 1);

  const auto decision_reply = client_->decision(id);
  ASSERT_EQ(decision_reply.status, 200) << decision_reply.body;
  expect_signed(decision_reply, *client_);
  const auto purged = parse_object(decision_reply.body);
  std::string where;
  EXPECT_TRUE(same_members(decided, purged, where)) << "decision differs at " << where;
  const auto& before = decided.at("verification").as_object();
  const auto& after = purged.at("verification").as_object();
  for (const auto* kept : {"id", "status", "code", "reason", "reasonCode", "attemptId", "decisionTime",
                           "acceptanceTime", "additionalVerifiedData"}) {
    EXPECT_EQ(after.at(kept), before.at(kept)) << kept;
  }
  EXPECT_TRUE(after.at("vendorData").is_null());
  for (const auto& [key, value] : after.at("person").as_object()) {
    if (key != "pepSanctionMatches") {
      EXPECT_TRUE(value.is_null()) << "person." << key << " " << value;
    }
  }
  EXPECT_TRUE(after.at("document").at("number").is_null());
  EXPECT_TRUE(after.at("document").at("ineIdentifier").is_null());

  const auto person_reply = client_->person(id);
  ASSERT_EQ(person_reply.status, 200);
  const auto person_after = parse_object(person_reply.body);
  EXPECT_TRUE(same_members(person_before, person_after, where)) << "person differs at " << where;
  EXPECT_TRUE(person_after.at("person").at("firstName").is_null());
  EXPECT_TRUE(person_after.at("person").at("ineIdentifier").is_null());

  const auto registry_after = client_->ine_registry(id);
  EXPECT_EQ(registry_after.status, 200);
  EXPECT_EQ(registry_after.body, registry_before.body) << "the registry's verdict is kept";

  const auto media =
      client_->send("GET", "/v1/sessions/" + id + "/media", "", auth::hmac_sha256_hex(client_->secret(), id));
  ASSERT_EQ(media.status, 200) << media.body;
  EXPECT_EQ(parse_object(media.body).at("images"), boost::json::array());
}

}  // namespace
}  // namespace inereg::component
