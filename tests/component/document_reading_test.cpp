// Reading the credential off the card at submit (issue 3): a session with uploaded
// document images is checked with the MRZ the check pipeline reads from them (on its
// reading threads), on both backends. The card images are committed cardgen output
// (tests/data/cards, truth in manifest.tsv).
#include "service_fixture.hpp"
#include "util/base64.hpp"

#include <openssl/evp.h>

#include "auth/signing.hpp"
#include "ine/mrz.hpp"
#include "ine/situation.hpp"
#include "registry/registry_file.hpp"
#include "support/cards.hpp"
#include "support/wait_until.hpp"

namespace inereg::component {
namespace {

// OCR under a loaded machine takes seconds per image.
constexpr std::chrono::seconds kReadingDeadline{90};

std::string data_file(const std::string& relative) {
  return testing::read_binary_file(std::string(INEREG_TEST_DATA_DIR) + "/" + relative);
}

// A committed card back (tests/vision asserts the reader reads every one exactly).
const testing::CommittedCard& readable_card() {
  static const testing::CommittedCard card =
      testing::committed_card(std::string(INEREG_TEST_DATA_DIR) + "/cards", "card_0001.jpg");
  return card;
}

constexpr std::string_view kIneDocument = R"({"verification":{"document":{"country":"MX","type":"ID_CARD"}}})";

class DocumentReadingTest : public ComponentTest {
 protected:
  // POST /v1/sessions/{id}/media as Veriff's headless demo sends it (bare base64).
  void upload(const std::string& session_id, std::string_view context, std::string_view bytes) {
    const std::string body = boost::json::serialize(boost::json::object{
        {"image", boost::json::object{{"context", context}, {"content", util::base64_encode(bytes)}}}});
    const HttpReply reply = client_->send("POST", "/v1/sessions/" + session_id + "/media", body,
                                          auth::hmac_sha256_hex(client_->secret(), body));
    ASSERT_EQ(reply.status, 200) << reply.body;
  }

  // The card's CIC + identificador in the registry as model H with `situation`.
  void register_card(const ine::Mrz& mrz, int situation) {
    registry::RegistryRow row;
    row.model = "H";
    row.credential = ine::credential_from_mrz(mrz);
    row.situation = situation;
    const std::vector<store::RegistryEntry> entries = {registry::to_registry_entry(row)};
    service().store().upsert_registry_entries(entries);
  }

  // The decision's verification, or an empty object (and a test failure) at the deadline.
  boost::json::object wait_verification(const std::string& id) {
    boost::json::object verification;
    EXPECT_TRUE(testing::wait_until(
        [&] {
          const auto body = parse_object(client_->decision(id).body);
          if (body.at("verification").is_null()) {
            return false;
          }
          verification = body.at("verification").as_object();
          return true;
        },
        kReadingDeadline, "the decision of session " + id));
    return verification;
  }
};

TEST_F(DocumentReadingTest, CardBackReadAtSubmitAnswersWhatTheRegistrySaysOfIt) {
  const ine::Mrz& truth = readable_card().truth;
  register_card(truth, 13);  // a registry row the answer can only come from: deceased
  const std::string id = client_->create(std::string(kIneDocument));
  upload(id, "face", data_file("media/tiny.jpg"));  // not a document: never read
  upload(id, "document-back", readable_card().bytes);
  const HttpReply submitted = client_->submit(id);
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  EXPECT_EQ(parse_object(submitted.body).at("verification").at("status"), "submitted");

  const auto verification = wait_verification(id);
  ASSERT_FALSE(verification.empty()) << "no decision before the deadline";
  EXPECT_EQ(verification.at("status"), "declined");
  const HttpReply answer = client_->ine_registry(id);
  ASSERT_EQ(answer.status, 200) << answer.body;
  const auto policy = ine::policy_for_situation(13);
  EXPECT_EQ(parse_object(answer.body),
            (boost::json::object{{"active", policy->active}, {"documentState", std::string(policy->document_state)}}));
  // The identifiers read from the card are the session's now.
  const auto person = parse_object(client_->person(id).body).at("person").as_object();
  EXPECT_EQ(text_of(person.at("ineIdentifier")), truth.citizen_id);
  EXPECT_EQ(text_of(person.at("ifeIdentifier")), truth.ocr);
}

TEST_F(DocumentReadingTest, UnreadableImageIsResubmissionRequestedWithPoorImageQuality) {
  const std::string id = client_->create(std::string(kIneDocument));
  upload(id, "document-back", data_file("media/tiny.png"));
  ASSERT_EQ(client_->submit(id).status, 200);
  const auto verification = wait_verification(id);
  ASSERT_FALSE(verification.empty()) << "no decision before the deadline";
  EXPECT_EQ(verification.at("status"), "resubmission_requested");
  EXPECT_EQ(verification.at("code"), 9103);
  EXPECT_EQ(verification.at("reasonCode"), 204);
  EXPECT_EQ(text_of(verification.at("reason")),
            "Poor image quality: the machine-readable zone of the document could not be read");
  EXPECT_EQ(client_->ine_registry(id).status, 404);  // no registry answer was made up
  // Counted for operators, without personal data. The count follows the reading's commit,
  // which the decision above already shows: it may land a moment later.
  testing::HttpCall metrics;
  metrics.method = "GET";
  metrics.target = "/metrics";
  std::string page;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        page = testing::http_call(port(), metrics).body;
        return page.find("inereg_check_document_readings_total{outcome=\"unreadable\"} 1\n") != std::string::npos;
      },
      kReadingDeadline, "the unreadable reading to be counted"))
      << page;
  EXPECT_NE(page.find("inereg_check_document_readings_total{outcome=\"credential\"} 0\n"), std::string::npos) << page;
  // And why the image did not read: a 1x1 image is too small to hold an MRZ.
  EXPECT_NE(page.find("inereg_check_document_unreadable_total{reason=\"too_small\"} 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("inereg_check_document_unreadable_total{reason=\"glare\"} 0\n"), std::string::npos) << page;
}

TEST_F(DocumentReadingTest, CardThatContradictsTypedDataIsNotGuessed) {
  const ine::Mrz& truth = readable_card().truth;
  register_card(truth, ine::kSituationVigente);
  // A typed identificador that is not the card's (the CIC alone is no lookup form).
  std::string other_citizen_id = truth.citizen_id;
  other_citizen_id[0] = other_citizen_id[0] == '9' ? '1' : static_cast<char>(other_citizen_id[0] + 1);
  const std::string id =
      client_->create(R"({"verification":{"person":{"ineIdentifier":")" + other_citizen_id +
                      R"("},"document":{"country":"MX","type":"ID_CARD","number":")" + truth.cic + R"("}}})");
  upload(id, "document-back", readable_card().bytes);
  ASSERT_EQ(client_->submit(id).status, 200);
  const auto verification = wait_verification(id);
  ASSERT_FALSE(verification.empty()) << "no decision before the deadline";
  EXPECT_EQ(verification.at("status"), "resubmission_requested");
  EXPECT_TRUE(verification.at("reasonCode").is_null());
  EXPECT_EQ(text_of(verification.at("reason")), "Document data does not match the data sent with the session");
  EXPECT_EQ(client_->ine_registry(id).status, 404);
}

TEST_F(DocumentReadingTest, TypedDataStandsWhenTheImageIsUnreadable) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  upload(id, "document-back", data_file("media/tiny.png"));
  ASSERT_EQ(client_->submit(id).status, 200);
  const auto verification = wait_verification(id);
  ASSERT_FALSE(verification.empty()) << "no decision before the deadline";
  EXPECT_EQ(verification.at("status"), "approved");
}

TEST_F(DocumentReadingTest, WithoutDataOrDocumentImagesTheAnswerIsImmediate) {
  const std::string id = client_->create(std::string(kIneDocument));
  upload(id, "face", data_file("media/tiny.jpg"));
  const HttpReply submitted = client_->submit(id);
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  // Decided in the submit's own transaction: no check is queued.
  const auto decision = parse_object(client_->decision(id).body);
  ASSERT_FALSE(decision.at("verification").is_null());
  EXPECT_EQ(decision.at("verification").at("status"), "resubmission_requested");
  EXPECT_TRUE(decision.at("verification").at("reasonCode").is_null());
}

}  // namespace
}  // namespace inereg::component
