// The verification page's session-token endpoints (GET /v/{token}, POST /v/{token}/back,
// /front, /submit, /cancel) over real loopback HTTP, on both backends: what they refuse,
// their per-session rate limit, the tries (stored), cancel, and that a photo read in the
// page is the session's document-back image.
#include "auth/signing.hpp"
#include "service_fixture.hpp"
#include "support/cards.hpp"
#include "util/base64.hpp"

namespace inereg::component {
namespace {

struct PageSession {
  std::string id;
  std::string path;  // "/v/<token>"
};

class VerificationPageTest : public ComponentTest {
 protected:
  ServiceOptions options() const override {
    ServiceOptions o;
    o.check_workers = 0;  // submitted sessions stay submitted: the page is what is tested
    o.max_body_bytes = 64 * 1024;
    o.page.max_tries = 2;
    o.page.requests_per_minute = 8;
    return o;
  }

  PageSession create_session() {
    const auto reply = client_->post_session(R"({"verification":{"document":{"country":"MX","type":"ID_CARD"}}})");
    EXPECT_EQ(reply.status, 201) << reply.body;
    const auto verification = parse_object(reply.body).at("verification").as_object();
    const std::string url = text_of(verification.at("url"));
    return PageSession{text_of(verification.at("id")), url.substr(kPublicUrl.size())};
  }

  HttpReply get(const std::string& target) { return testing::http_call(port(), {"GET", target, "", {}}); }
  HttpReply post(const std::string& target, std::string body = "") {
    return testing::http_call(port(), {"POST", target, std::move(body), {{"Content-Type", "image/jpeg"}}});
  }
  bool has_status(const std::string& session_id, const std::string& status) {
    return database().query_int("SELECT COUNT(*) FROM sessions WHERE id = '" + session_id + "' AND status = '" +
                                status + "'") == 1;
  }
  std::size_t media_count(const std::string& session_id) {
    const auto reply = client_->send("GET", "/v1/sessions/" + session_id + "/media", "",
                                     auth::hmac_sha256_hex(client_->secret(), session_id));
    return parse_object(reply.body).at("images").as_array().size();
  }
};

TEST_F(VerificationPageTest, OpeningStartsTheSessionAndServesThePageUnderAStrictPolicy) {
  const auto session = create_session();
  const auto page = get(session.path);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find(R"(<html lang="es-MX">)"), std::string::npos);
  EXPECT_NE(page.body.find(R"(data-action="start")"), std::string::npos);
  const std::string csp = page.header("content-security-policy");
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  // No browser origin allowed for this integration: nobody may frame the page.
  EXPECT_TRUE(csp.ends_with("frame-ancestors 'none'")) << csp;
  EXPECT_EQ(page.header("referrer-policy"), "no-referrer");
  EXPECT_EQ(page.header("cache-control"), "no-store");
  EXPECT_TRUE(has_status(session.id, "started"));

  const auto english = get(session.path + "?lang=en");
  EXPECT_EQ(english.status, 200);
  EXPECT_NE(english.body.find(R"(<html lang="en">)"), std::string::npos);
  const auto script = get("/page/page.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(get("/page/texts.json").status, 404) << "only the script and stylesheet are served";
}

TEST_F(VerificationPageTest, FrameAncestorsAreTheIntegrationsAllowedOrigins) {
  const std::vector<std::string> origins = {"http://127.0.0.2:4000", "https://shop.example"};
  ASSERT_TRUE(service().store().set_integration_cors_origins(client_->integration_id(), origins));
  const auto session = create_session();
  const std::string expected = "frame-ancestors http://127.0.0.2:4000 https://shop.example";
  const auto page = get(session.path);
  EXPECT_TRUE(page.header("content-security-policy").ends_with(expected)) << page.header("content-security-policy");
  // Once submitted, the refusal page still shows inside the integration's frame.
  ASSERT_EQ(post(session.path + "/submit").status, 200);
  const auto refusal = get(session.path);
  EXPECT_EQ(refusal.status, 410);
  EXPECT_TRUE(refusal.header("content-security-policy").ends_with(expected))
      << refusal.header("content-security-policy");
}

TEST_F(VerificationPageTest, ForgedAndDeletedTokensAreRefusedEverywhere) {
  const auto session = create_session();
  std::string forged = session.path;
  char& c = forged[forged.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  const auto page = get(forged);
  EXPECT_EQ(page.status, 404);
  EXPECT_NE(page.body.find("Enlace no válido"), std::string::npos) << page.body;
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  for (const std::string route : {"/back", "/front", "/submit", "/cancel"}) {
    const auto refused = post(forged + route, testing::blank_png());
    EXPECT_EQ(refused.status, 404) << route;
    EXPECT_EQ(refused.body, R"({"error":"link_invalid"})") << route;
  }
  EXPECT_TRUE(has_status(session.id, "created"));

  ASSERT_EQ(client_->delete_session(session.id).status, 200);
  EXPECT_EQ(get(session.path).status, 404);
  EXPECT_EQ(post(session.path + "/submit").status, 404);
}

TEST_F(VerificationPageTest, ASubmittedSessionsTokenIsRefused) {
  const auto session = create_session();
  ASSERT_EQ(post(session.path + "/submit").status, 200);
  // Nothing to read and no typed credential: decided at once, as through the API.
  EXPECT_TRUE(has_status(session.id, "resubmission_requested"));
  const auto page = get(session.path + "?lang=en");
  EXPECT_EQ(page.status, 410);
  EXPECT_NE(page.body.find("Verification not available"), std::string::npos) << page.body;
  for (const std::string route : {"/back", "/front", "/submit", "/cancel"}) {
    const auto refused = post(session.path + route, testing::blank_png());
    EXPECT_EQ(refused.status, 410) << route;
    EXPECT_EQ(refused.body, R"({"error":"session_closed"})") << route;
  }
}

TEST_F(VerificationPageTest, RequestsOverTheMinuteLimitAre429PerSession) {
  const auto session = create_session();
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(get(session.path).status, 200) << i;
  }
  const auto limited = get(session.path);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("retry-after"), "60");
  const auto upload = post(session.path + "/back", testing::blank_png());
  EXPECT_EQ(upload.status, 429);
  EXPECT_EQ(upload.body, R"({"error":"too_many_requests"})");
  // Another session's page is not affected.
  EXPECT_EQ(get(create_session().path).status, 200);
}

TEST_F(VerificationPageTest, AnythingButAnImageIsRefusedWithoutUsingATry) {
  const auto session = create_session();
  const auto refused = post(session.path + "/back", "%PDF-1.7 not an image");
  EXPECT_EQ(refused.status, 415);
  EXPECT_EQ(refused.body, R"({"error":"unsupported_image"})");
  const auto first = post(session.path + "/back", testing::blank_png());
  EXPECT_EQ(first.body, R"({"read":false,"reason":"mrz_not_found","triesLeft":1})");
  EXPECT_EQ(media_count(session.id), 0U);
}

TEST_F(VerificationPageTest, TheLastUnreadablePhotoIsStoredAndSubmitsTheSession) {
  const auto session = create_session();
  ASSERT_EQ(get(session.path).status, 200);
  const auto first = post(session.path + "/back", testing::blank_png());
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body, R"({"read":false,"reason":"mrz_not_found","triesLeft":1})");
  EXPECT_EQ(media_count(session.id), 0U) << "an unreadable photo that leaves tries is not kept";
  const auto last = post(session.path + "/back", testing::blank_png());
  EXPECT_EQ(last.body, R"({"read":false,"reason":"mrz_not_found","triesLeft":0,"submitted":true})");
  EXPECT_TRUE(has_status(session.id, "submitted"));
  EXPECT_EQ(media_count(session.id), 1U);
}

TEST_F(VerificationPageTest, TheTriesAreTheDatabasesSoEveryNodeCountsTheSame) {
  const auto session = create_session();
  ASSERT_EQ(get(session.path).status, 200);
  ASSERT_EQ(post(session.path + "/back", testing::blank_png()).status, 200);
  EXPECT_EQ(database().query_int("SELECT unreadable_photos FROM page_tries WHERE session_id = '" + session.id + "'"),
            1);
  // Another node's try, as it would be recorded there: this node's next photo is the last.
  database().exec("UPDATE page_tries SET unreadable_photos = 0 WHERE session_id = '" + session.id + "'");
  EXPECT_EQ(post(session.path + "/back", testing::blank_png()).body,
            R"({"read":false,"reason":"mrz_not_found","triesLeft":1})");
  database().exec("UPDATE page_tries SET unreadable_photos = 1 WHERE session_id = '" + session.id + "'");
  EXPECT_EQ(post(session.path + "/back", testing::blank_png()).body,
            R"({"read":false,"reason":"mrz_not_found","triesLeft":0,"submitted":true})");
  EXPECT_TRUE(has_status(session.id, "submitted"));
}

TEST_F(VerificationPageTest, TheTriesGoWithTheSession) {
  const auto session = create_session();
  ASSERT_EQ(post(session.path + "/back", testing::blank_png()).status, 200);
  const std::string tries = "SELECT COUNT(*) FROM page_tries WHERE session_id = '" + session.id + "'";
  ASSERT_EQ(database().query_int(tries), 1);
  ASSERT_EQ(client_->delete_session(session.id).status, 200);
  EXPECT_EQ(database().query_int(tries), 0);
}

TEST_F(VerificationPageTest, CancelWithdrawsThePhotosAndTheTriesAndLeavesTheSessionOpen) {
  const auto card = testing::committed_card(std::string(INEREG_TEST_DATA_DIR) + "/cards", "card_0000.jpg");
  const auto session = create_session();
  ASSERT_EQ(get(session.path).status, 200);
  ASSERT_EQ(post(session.path + "/back", testing::blank_png()).body,
            R"({"read":false,"reason":"mrz_not_found","triesLeft":1})");
  ASSERT_EQ(post(session.path + "/back", card.bytes).body, R"({"read":true})");
  ASSERT_EQ(
      post(session.path + "/front", testing::read_binary_file(std::string(INEREG_TEST_DATA_DIR) + "/media/tiny.jpg"))
          .status,
      200);
  ASSERT_EQ(media_count(session.id), 2U);

  const auto canceled = post(session.path + "/cancel");
  EXPECT_EQ(canceled.status, 200);
  EXPECT_EQ(canceled.body, R"({"canceled":true})");
  EXPECT_EQ(media_count(session.id), 0U) << "the page's photos are withdrawn";
  EXPECT_TRUE(has_status(session.id, "started")) << "Veriff has no canceled status: the session stays open";
  // The same url resumes it, with every try again.
  EXPECT_EQ(get(session.path).status, 200);
  EXPECT_EQ(post(session.path + "/back", testing::blank_png()).body,
            R"({"read":false,"reason":"mrz_not_found","triesLeft":1})");
  EXPECT_EQ(media_count(session.id), 0U);
}

TEST_F(VerificationPageTest, CancelKeepsMediaOfOtherContexts) {
  const auto session = create_session();
  const std::string face = testing::read_binary_file(std::string(INEREG_TEST_DATA_DIR) + "/media/tiny.jpg");
  const std::string upload =
      R"({"image":{"context":"face","content":"data:image/jpeg;base64,)" + util::base64_encode(face) + R"("}})";
  ASSERT_EQ(client_
                ->send("POST", "/v1/sessions/" + session.id + "/media", upload,
                       auth::hmac_sha256_hex(client_->secret(), upload))
                .status,
            200);
  ASSERT_EQ(post(session.path + "/cancel").status, 200);
  EXPECT_EQ(media_count(session.id), 1U);
}

TEST_F(VerificationPageTest, CancelIsRefusedOnceTheSessionIsSubmitted) {
  const auto session = create_session();
  ASSERT_EQ(post(session.path + "/submit").status, 200);
  const auto refused = post(session.path + "/cancel");
  EXPECT_EQ(refused.status, 410);
  EXPECT_EQ(refused.body, R"({"error":"session_closed"})");
}

TEST_F(VerificationPageTest, APhotoThatReadsIsTheSessionsDocumentBack) {
  const auto card = testing::committed_card(std::string(INEREG_TEST_DATA_DIR) + "/cards", "card_0000.jpg");
  const auto session = create_session();
  const auto read = post(session.path + "/back", card.bytes);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.body, R"({"read":true})");
  const auto front =
      post(session.path + "/front", testing::read_binary_file(std::string(INEREG_TEST_DATA_DIR) + "/media/tiny.jpg"));
  EXPECT_EQ(front.body, R"({"stored":true})");
  const auto listed = client_->send("GET", "/v1/sessions/" + session.id + "/media", "",
                                    auth::hmac_sha256_hex(client_->secret(), session.id));
  const auto images = parse_object(listed.body).at("images").as_array();
  ASSERT_EQ(images.size(), 2U);
  EXPECT_EQ(text_of(images[0].at("context")), "document-back");
  EXPECT_EQ(images[0].at("size").as_int64(), static_cast<std::int64_t>(card.bytes.size()));
  EXPECT_EQ(text_of(images[1].at("context")), "document-front");
  EXPECT_EQ(post(session.path + "/submit").body, R"({"submitted":true})");
  EXPECT_TRUE(has_status(session.id, "submitted"));
}

class SmallUploadPageTest : public VerificationPageTest {
 protected:
  ServiceOptions options() const override {
    ServiceOptions o = VerificationPageTest::options();
    o.media_max_upload_bytes = 4096;  // base64 characters: 3072 bytes decoded
    return o;
  }
};

TEST_F(SmallUploadPageTest, APhotoAboveTheApisUploadLimitIs413) {
  const auto session = create_session();
  std::string big = testing::blank_png();
  big.resize(3073, '\0');
  const auto refused = post(session.path + "/back", big);
  EXPECT_EQ(refused.status, 413);
  EXPECT_EQ(refused.body, R"({"error":"too_large"})");
  big.resize(3072);
  EXPECT_EQ(post(session.path + "/back", big).status, 200) << "at the limit, the photo is read";
}

}  // namespace
}  // namespace inereg::component
