// Reading the credential from the card (issue 3): the session workflow on both backends,
// the submit that queues a reading job, and SessionWorkflow::record_reading under the claim's
// guard — a crashed reader's job is claimed again after its lease, an outdated claim
// can record nothing, a job is decided once, and the decision webhook carries the
// reason. SQLite always; PostgreSQL when INEREG_TEST_POSTGRES_URL is set.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>

#include "backend_store_test.hpp"
#include "store/store.hpp"
#include "webhooks/payloads.hpp"

namespace inereg::store {
namespace {

class DocumentReadingStoreTest : public BackendStoreTest {
 protected:
  void SetUp() override { open_store(WebhookUrls{"https://hooks.example/decision", "", "", "", ""}); }

  // An INE session with no typed data (or with `typed`), and (optionally) one upload
  // in `context`.
  void add_session(const std::string& id, std::optional<std::string> context, const std::string& mimetype,
                   const ine::Credential& typed = {}) {
    Session s;
    s.id = id;
    s.integration_id = "i1";
    s.ine_document = true;
    s.credential = typed;
    s.created_at = kT0;
    sessions_->create(s);
    if (context) {
      Media media;
      media.id = "m-" + id;
      media.session_id = id;
      media.context = *context;
      media.mimetype = mimetype;
      media.size = 4;
      media.sha256 = std::string(64, '0');
      media.created_at = kT0;
      ASSERT_EQ(sessions_->add_media(media, "\xFF\xD8\xFF\xE0", MediaLimits{}), sessions::MediaOutcome::kStored);
    }
  }

  static ine::Credential read_credential() {
    ine::Credential c;
    c.cic = "187006412";
    c.ocr = "0427118903355";
    c.citizen_id = "118903355";
    return c;
  }
};

TEST_P(DocumentReadingStoreTest, SubmitQueuesAReadingJobOnlyForReadableDocumentImages) {
  add_session("back", "document-back", "image/jpeg");
  add_session("face", "face", "image/jpeg");  // not a document
  add_session("cropped", "document-front-face-cropped", "image/png");
  add_session("pdf", "document-back", "application/pdf");  // not an image the reader decodes
  add_session("none", std::nullopt, "");
  for (const char* id : {"back", "face", "cropped", "pdf", "none"}) {
    ASSERT_EQ(sessions_->submit(id, "a", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted) << id;
  }
  EXPECT_EQ(store_->find_session("back")->status, "submitted");
  for (const char* id : {"face", "cropped", "pdf", "none"}) {
    EXPECT_EQ(store_->find_session(id)->status, "resubmission_requested") << id;
  }
  const auto claimed = store_->claim_checks("w1", kT0 + 1, kLease, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_EQ(claimed[0].session_id, "back");
  EXPECT_TRUE(claimed[0].read_document);
  // Second submit is refused as before; unknown is not found.
  EXPECT_EQ(sessions_->submit("back", "a", kT0).outcome, sessions::SubmitResult::Outcome::kNotAllowed);
  EXPECT_EQ(sessions_->submit("nope", "a", kT0).outcome, sessions::SubmitResult::Outcome::kNotFound);
}

TEST_P(DocumentReadingStoreTest, TypedLookupDataWithoutImagesQueuesAPlainLookup) {
  add_session("typed", std::nullopt, "", read_credential());
  ASSERT_EQ(sessions_->submit("typed", "a", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  const auto claimed = store_->claim_checks("w1", kT0 + 1, kLease, 10);
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_FALSE(claimed[0].read_document);
}

TEST_P(DocumentReadingStoreTest, ACrashedReadIsClaimedAgainAndOnlyTheCurrentClaimRecords) {
  add_session("s1", "document-back", "image/jpeg");
  ASSERT_EQ(sessions_->submit("s1", "a", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  const auto first = store_->claim_checks("node-a", kT0, kLease, 10);
  ASSERT_EQ(first.size(), 1U);
  // node-a dies mid-read: nothing is claimable until its lease expires...
  EXPECT_TRUE(store_->claim_checks("node-b", kT0 + kLease - 1, kLease, 10).empty());
  // ...then node-b takes the job over, still to be read.
  const auto second = store_->claim_checks("node-b", kT0 + kLease, kLease, 10);
  ASSERT_EQ(second.size(), 1U);
  EXPECT_TRUE(second[0].read_document);
  EXPECT_EQ(second[0].attempts, first[0].attempts + 1);

  // node-a's late outcome (either kind) is refused: the claim is no longer its own.
  EXPECT_FALSE(sessions_->record_reading(
      "node-a", sessions::DocumentReading{{"s1", first[0].attempts}, read_credential(), ""}, kT0 + 2 * kLease));
  EXPECT_FALSE(sessions_->record_reading(
      "node-a",
      sessions::DocumentReading{{"s1", first[0].attempts}, std::nullopt, decision_reason::kDocumentUnreadable},
      kT0 + 2 * kLease));
  EXPECT_EQ(store_->find_session("s1")->status, "submitted");
  EXPECT_TRUE(store_->find_session("s1")->credential.cic.empty());

  // node-b's reading is recorded: the credential is stored and the job released, due now.
  const TimeMs recorded_at = kT0 + kLease + 5;
  ASSERT_TRUE(sessions_->record_reading(
      "node-b", sessions::DocumentReading{{"s1", second[0].attempts}, read_credential(), ""}, recorded_at));
  const auto session = store_->find_session("s1");
  EXPECT_EQ(session->credential.cic, "187006412");
  EXPECT_EQ(session->credential.citizen_id, "118903355");
  EXPECT_EQ(session->credential.ocr, "0427118903355");
  EXPECT_EQ(session->status, "submitted");
  // Recording twice under the same claim does nothing: the lease was released.
  EXPECT_FALSE(sessions_->record_reading(
      "node-b",
      sessions::DocumentReading{{"s1", second[0].attempts}, std::nullopt, decision_reason::kDocumentUnreadable},
      recorded_at));

  // The next claim (any node, at once) looks the stored credential up, reading nothing.
  const auto lookup = store_->claim_checks("node-c", recorded_at, kLease, 10);
  ASSERT_EQ(lookup.size(), 1U);
  EXPECT_FALSE(lookup[0].read_document);
  EXPECT_EQ(lookup[0].credential.cic, "187006412");
  EXPECT_EQ(lookup[0].credential.citizen_id, "118903355");
}

TEST_P(DocumentReadingStoreTest, UnreadableDocumentDecidesOnceWithTheReasonInTheDecisionWebhook) {
  add_session("s1", "document-back", "image/png");
  ASSERT_EQ(sessions_->submit("s1", "a1", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  const auto claim = store_->claim_checks("w1", kT0 + 1, kLease, 10);
  ASSERT_EQ(claim.size(), 1U);
  const sessions::DocumentReading unreadable{
      {"s1", claim[0].attempts}, std::nullopt, decision_reason::kDocumentUnreadable};
  ASSERT_TRUE(sessions_->record_reading("w1", unreadable, kT0 + 3));
  EXPECT_FALSE(sessions_->record_reading("w1", unreadable, kT0 + 4));  // decided once
  const auto session = store_->find_session("s1");
  EXPECT_EQ(session->status, "resubmission_requested");
  EXPECT_EQ(session->decision_reason, decision_reason::kDocumentUnreadable);
  EXPECT_EQ(session->decided_at, kT0 + 3);
  EXPECT_EQ(store_->pending_check_count(), 0);
  EXPECT_TRUE(store_->claim_checks("w2", kT0 + 10 * kLease, kLease, 10).empty());
  EXPECT_FALSE(store_->find_ine_answer("s1")->result);  // no registry answer was made up

  const auto deliveries = store_->claim_webhook_deliveries("d1", kT0 + 10, kLease, 10);
  ASSERT_EQ(deliveries.size(), 1U);  // the decision (no event URL configured)
  const auto body = boost::json::parse(deliveries[0].body).as_object();
  const auto& verification = body.at("verification").as_object();
  EXPECT_EQ(verification.at("status").as_string(), "resubmission_requested");
  EXPECT_EQ(verification.at("code").as_int64(), 9103);
  EXPECT_EQ(verification.at("reasonCode").as_int64(), 204);
  EXPECT_EQ(verification.at("reason").as_string(),
            "Poor image quality: the machine-readable zone of the document could not be read");
}

TEST_P(DocumentReadingStoreTest, MismatchDecidesWithItsOwnReason) {
  add_session("s1", "document-back", "image/jpeg");
  ASSERT_EQ(sessions_->submit("s1", "a1", kT0).outcome, sessions::SubmitResult::Outcome::kSubmitted);
  const auto claim = store_->claim_checks("w1", kT0 + 1, kLease, 10);
  ASSERT_EQ(claim.size(), 1U);
  ASSERT_TRUE(sessions_->record_reading(
      "w1", sessions::DocumentReading{{"s1", claim[0].attempts}, std::nullopt, decision_reason::kDocumentMismatch},
      kT0 + 3));
  const auto deliveries = store_->claim_webhook_deliveries("d1", kT0 + 10, kLease, 10);
  ASSERT_EQ(deliveries.size(), 1U);
  const auto body = boost::json::parse(deliveries[0].body).as_object();
  EXPECT_EQ(body.at("verification").at("status").as_string(), "resubmission_requested");
  EXPECT_TRUE(body.at("verification").at("reasonCode").is_null());
  EXPECT_EQ(body.at("verification").at("reason").as_string(),
            "Document data does not match the data sent with the session");
}

INSTANTIATE_TEST_SUITE_P(Backends, DocumentReadingStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace inereg::store
