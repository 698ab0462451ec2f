// POST/GET /v1/sessions/{id}/media and GET /v1/media/{id} (veriff-api.md §4.7, §4.8,
// §8.2), on both backends.
#include "service_fixture.hpp"
#include "util/base64.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "api/api.hpp"
#include "auth/signing.hpp"
#include "util/hex.hpp"

namespace inereg::component {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(INEREG_TEST_DATA_DIR) + "/media/" + name, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing test fixture " + name);
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return util::to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

// Sends only the header of a POST declaring `content_length` body bytes, and reads the
// answer: the server must answer from the declared length alone.
HttpReply header_only_post(std::uint16_t port, const std::string& path, std::size_t content_length,
                           const std::string& api_key) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  const std::string header = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-AUTH-CLIENT: " + api_key +
                             "\r\nX-HMAC-SIGNATURE: " + std::string(64, '0') +
                             "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(content_length) +
                             "\r\n\r\n";
  asio::write(stream, asio::buffer(header));
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  bhttp::read(stream, buffer, response);
  return HttpReply{static_cast<int>(response.result_int()), response.body(), {}};
}

// {"image":{"context":…,"content":…,"timestamp":…}} as Veriff's headless demo sends it.
std::string upload_body(std::string_view context, std::string_view content,
                        std::optional<std::string_view> timestamp = "2024-01-01T10:00:00.000+02:00") {
  boost::json::object image{{"context", context}, {"content", content}};
  if (timestamp) {
    image["timestamp"] = *timestamp;
  }
  return boost::json::serialize(boost::json::object{{"image", image}});
}

struct Fixture {
  const char* file;
  const char* mimetype;
};
const std::vector<Fixture> kFixtures = {
    {"tiny.jpg", "image/jpeg"}, {"tiny.png", "image/png"}, {"tiny.webp", "image/webp"}};

class MediaTest : public ComponentTest {
 protected:
  static HttpReply upload(const ApiClient& client, const std::string& session_id, const std::string& body) {
    return client.send("POST", "/v1/sessions/" + session_id + "/media", body,
                       auth::hmac_sha256_hex(client.secret(), body));
  }
  static HttpReply list(const ApiClient& client, const std::string& session_id) {
    return client.send("GET", "/v1/sessions/" + session_id + "/media", "",
                       auth::hmac_sha256_hex(client.secret(), session_id));
  }
  static HttpReply download(const ApiClient& client, const std::string& media_id) {
    return client.send("GET", "/v1/media/" + media_id, "", auth::hmac_sha256_hex(client.secret(), media_id));
  }
  // Uploads and returns the image object of the 200 answer.
  boost::json::object upload_ok(const std::string& session_id, std::string_view context, const std::string& bytes) {
    const auto reply = upload(*client_, session_id, upload_body(context, util::base64_encode(bytes)));
    if (reply.status != 200) {
      throw std::runtime_error("upload answered " + std::to_string(reply.status) + ": " + reply.body);
    }
    return parse_object(reply.body).at("image").as_object();
  }
  std::string new_session() { return client_->create(ine_body(vigente_.credential)); }
};

// Signed like every other response, over the exact bytes, with the given content type.
void expect_signed_bytes(const HttpReply& reply, const ApiClient& client, std::string_view content_type) {
  EXPECT_EQ(reply.header("content-type"), content_type);
  EXPECT_EQ(reply.header("x-auth-client"), client.api_key());
  EXPECT_EQ(reply.header("x-hmac-signature"), auth::hmac_sha256_hex(client.secret(), reply.body));
}

TEST_F(MediaTest, EachTypeBareAndAsDataUriIsStoredAndAnswered200WithItsMetadata) {
  const std::string session = new_session();
  for (const auto& [file, mimetype] : kFixtures) {
    const std::string bytes = fixture(file);
    for (const std::string& content :
         {util::base64_encode(bytes), "data:" + std::string(mimetype) + ";base64," + util::base64_encode(bytes)}) {
      SCOPED_TRACE(std::string(file) + (content.starts_with("data:") ? " data URI" : " bare"));
      const auto reply = upload(*client_, session, upload_body("document-front", content));
      ASSERT_EQ(reply.status, 200) << reply.body;
      expect_signed(reply, *client_);
      const auto body = parse_object(reply.body);
      EXPECT_EQ(body.at("status"), "success");
      ASSERT_EQ(body.size(), 2U) << reply.body;
      const auto& image = body.at("image").as_object();
      const std::string id = text_of(image.at("id"));
      EXPECT_TRUE(is_uuid_v4(id)) << id;
      EXPECT_EQ(image.at("name"), "document-front");
      EXPECT_EQ(image.at("context"), "document-front");
      EXPECT_TRUE(image.at("timestamp").is_null());
      EXPECT_EQ(image.at("size"), static_cast<std::int64_t>(bytes.size()));
      EXPECT_EQ(image.at("mimetype"), mimetype);
      EXPECT_EQ(text_of(image.at("url")), std::string(kPublicUrl) + "/v1/media/" + id);
      EXPECT_EQ(text_of(image.at("sessionId")), session);
      EXPECT_EQ(image.size(), 8U);

      const auto served = download(*client_, id);
      ASSERT_EQ(served.status, 200);
      EXPECT_EQ(served.body, bytes);
      expect_signed_bytes(served, *client_, mimetype);
      EXPECT_EQ(served.header("x-content-type-options"), "nosniff");
    }
  }
  EXPECT_EQ(parse_object(list(*client_, session).body).at("images").as_array().size(), 6U);
}

TEST_F(MediaTest, ListIsVeriffsShapeInUploadOrderAndSigned) {
  const std::string session = new_session();
  std::vector<boost::json::object> uploaded;
  uploaded.push_back(upload_ok(session, "document-front", fixture("tiny.jpg")));
  uploaded.push_back(upload_ok(session, "document-back", fixture("tiny.png")));
  uploaded.push_back(upload_ok(session, "face", fixture("tiny.webp")));

  const auto reply = list(*client_, session);
  ASSERT_EQ(reply.status, 200) << reply.body;
  expect_signed(reply, *client_);
  const auto body = parse_object(reply.body);
  EXPECT_EQ(body.size(), 3U) << reply.body;
  EXPECT_EQ(body.at("status"), "success");
  EXPECT_TRUE(body.at("videos").as_array().empty());
  const auto& images = body.at("images").as_array();
  ASSERT_EQ(images.size(), uploaded.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    EXPECT_EQ(images[i].as_object(), uploaded[i]) << i;  // the same object the upload answered
  }
}

// Media ids begin with their upload's millisecond (sessions::new_media), as session ids
// do: the media id index takes each upload on its last page.
TEST_F(MediaTest, LaterUploadsGetIdsThatSortAfterEarlierOnes) {
  const std::string session = new_session();
  std::vector<std::string> ids;
  for (const char* context : {"document-front", "document-back", "face", "document-front", "face"}) {
    ids.push_back(text_of(upload_ok(session, context, fixture("tiny.jpg")).at("id")));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << ids.front() << " … " << ids.back();
}

TEST_F(MediaTest, ASessionWithoutMediaListsEmptyArrays) {
  const auto reply = list(*client_, new_session());
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"status":"success","images":[],"videos":[]})");
}

TEST_F(MediaTest, BodyAboveTheGeneralLimitIsReadOnTheUploadRouteOnly) {
  // The fixture's general limit is 4 KiB; this upload is ~2 MB of base64.
  std::string bytes = fixture("tiny.png");
  bytes.resize(1'500'000, '\0');  // trailing data after IEND: still a PNG by its magic
  const std::string body = upload_body("document-back", util::base64_encode(bytes));
  ASSERT_GT(body.size(), service().config().http.max_body_bytes * 100);
  const std::string session = new_session();
  const auto reply = upload(*client_, session, body);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto image = parse_object(reply.body).at("image").as_object();
  EXPECT_EQ(download(*client_, text_of(image.at("id"))).body, bytes);
  // The same length on another route is still refused (from the header: sending the
  // body too would race the server's close).
  const auto other = header_only_post(port(), "/v1/sessions", body.size(), client_->api_key());
  EXPECT_EQ(other.status, 413);
  EXPECT_EQ(other.body, fail_body("1101", "Request body is too large"));
}

TEST_F(MediaTest, NotBase64Is1401) {
  const std::string session = new_session();
  for (const std::string content :
       {"@@@@", "iVBORw0KGgo", "iVBO-_0K", "data:image/png,%89PNG", "data:image/png;base64"}) {
    const auto reply = upload(*client_, session, upload_body("face", content));
    EXPECT_EQ(reply.body, fail_body("1401", "Image is not in valid base64.")) << content;
    EXPECT_EQ(reply.status, 400);
    expect_signed(reply, *client_);
  }
  const auto not_string = upload(*client_, session, R"({"image":{"context":"face","content":42}})");
  expect_error(not_string, 400, "1401");
  EXPECT_TRUE(parse_object(list(*client_, session).body).at("images").as_array().empty());
}

TEST_F(MediaTest, UnknownOrMissingContextIs1402) {
  const std::string session = new_session();
  const std::string content = util::base64_encode(fixture("tiny.png"));
  for (const std::string& body : {upload_body("selfie", content), upload_body("Document-Front", content),
                                  std::string(R"({"image":{"content":")") + content + "\"}}"}) {
    const auto reply = upload(*client_, session, body);
    EXPECT_EQ(reply.body, fail_body("1402", "Image context is not supported.")) << body.substr(0, 60);
    EXPECT_EQ(reply.status, 400);
  }
}

TEST_F(MediaTest, MissingImageIs1403AndEmptyContentIs1400) {
  const std::string session = new_session();
  expect_error(upload(*client_, session, R"({"file":{}})"), 400, "1403", "Image property is missing.");
  expect_error(upload(*client_, session, R"({"image":{"context":"face"}})"), 400, "1400", "Image data not found.");
  expect_error(upload(*client_, session, upload_body("face", "")), 400, "1400", "Image data not found.");
  expect_error(upload(*client_, session, upload_body("face", "data:image/png;base64,")), 400, "1400");
  expect_error(upload(*client_, session, "not json"), 400, "1101");
}

TEST_F(MediaTest, ADataUriTypeThatContradictsTheBytesIs400) {
  const std::string session = new_session();
  const auto reply = upload(*client_, session,
                            upload_body("face", "data:image/jpeg;base64," + util::base64_encode(fixture("tiny.png"))));
  expect_error(reply, 400, "1104",
               "Request includes invalid parameters: image.content is image/png, not the image/jpeg its data URI "
               "declares.");
  // image/jpg is the common alias of image/jpeg, not a contradiction.
  EXPECT_EQ(upload(*client_, session,
                   upload_body("face", "data:image/jpg;base64," + util::base64_encode(fixture("tiny.jpg"))))
                .status,
            200);
}

TEST_F(MediaTest, AnImageDeclaringMorePixelsThanTheLimitIs400AndNotStored) {
  // A tiny JPEG whose SOF0 header declares 20000×20000 (1.6 GB once decoded).
  std::string bomb = fixture("tiny.jpg");
  const auto sof = bomb.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  for (std::size_t i : {sof + 5, sof + 7}) {
    bomb[i] = static_cast<char>(20000 >> 8);
    bomb[i + 1] = static_cast<char>(20000 & 0xFF);
  }
  const std::string session = new_session();
  expect_error(upload(*client_, session, upload_body("document-back", util::base64_encode(bomb))), 400, "1104",
               "Request includes invalid parameters: image.content declares more than 50000000 pixels or a side "
               "longer than 12000 pixels.");
  const auto listed = parse_object(list(*client_, session).body);
  EXPECT_TRUE(listed.at("images").as_array().empty());
}

TEST_F(MediaTest, UnsupportedFileTypeIs400) {
  const auto reply =
      upload(*client_, new_session(), upload_body("face", util::base64_encode("GIF89a\x01\x00\x01\x00\x80\x00\x00")));
  expect_error(reply, 400, "1104",
               "Request includes invalid parameters: image.content is not a JPEG, PNG, WebP, HEIF/HEIC or PDF file.");
}

TEST_F(MediaTest, HeicAndPdfAreAcceptedStoredAndServedWithTheirType) {
  const std::string session = new_session();
  const std::string heic(
      "\0\0\0\x18"
      "ftypheic\0\0\0\0mif1heic",
      24);
  const std::string pdf = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
  for (const auto& [bytes, mimetype] :
       std::vector<std::pair<std::string, std::string>>{{heic, "image/heic"}, {pdf, "application/pdf"}}) {
    const auto image = upload_ok(session, "document-front", bytes);
    EXPECT_EQ(text_of(image.at("mimetype")), mimetype);
    const auto served = download(*client_, text_of(image.at("id")));
    EXPECT_EQ(served.body, bytes);
    expect_signed_bytes(served, *client_, mimetype);
  }
}

TEST_F(MediaTest, TimestampIsOptionalInEitherZoneFormAndChecked) {
  const std::string session = new_session();
  const std::string content = util::base64_encode(fixture("tiny.jpg"));
  EXPECT_EQ(upload(*client_, session, upload_body("face", content, std::nullopt)).status, 200);
  EXPECT_EQ(upload(*client_, session, upload_body("face", content, "2024-01-01T00:00:00.000Z")).status, 200);
  EXPECT_EQ(upload(*client_, session, upload_body("face", content, "2024-01-01T10:00:00.000+02:00")).status, 200);
  expect_error(upload(*client_, session, upload_body("face", content, "yesterday")), 400, "1202");
}

// One timestamp rule for every request body (util::parse_iso8601): forms it refuses
// (an hours-only offset, a "UTC" suffix, a day that does not exist) get the very same
// error on an upload as on session creation, and the upload stores nothing.
TEST_F(MediaTest, TimestampRefusedBySessionCreationIsRefusedAlikeOnUpload) {
  const std::string session = new_session();
  const std::string content = util::base64_encode(fixture("tiny.jpg"));
  for (const std::string timestamp :
       {"2024-01-01T10:00:00.000+02", "2024-01-01T08:00:00.000UTC", "2024-02-30T08:00:00.000Z"}) {
    const auto created = client_->post_session(R"({"verification":{"timestamp":")" + timestamp + R"("}})");
    expect_error(created, 400, "1202");
    const auto uploaded = upload(*client_, session, upload_body("face", content, timestamp));
    expect_error(uploaded, 400, "1202");
    EXPECT_EQ(parse_object(uploaded.body), parse_object(created.body)) << timestamp;
  }
  EXPECT_TRUE(parse_object(list(*client_, session).body).at("images").as_array().empty());
}

TEST_F(MediaTest, UploadAfterSubmitIs409AndStoresNothing) {
  const std::string session = new_session();
  upload_ok(session, "document-front", fixture("tiny.jpg"));
  ASSERT_EQ(client_->submit(session).status, 200);
  const auto reply = upload(*client_, session, upload_body("document-back", util::base64_encode(fixture("tiny.png"))));
  expect_error(reply, 409, "1101", "Media cannot be uploaded to a session that was submitted.");
  expect_signed(reply, *client_);
  EXPECT_EQ(parse_object(list(*client_, session).body).at("images").as_array().size(), 1U);
}

TEST_F(MediaTest, ConcurrentUploadsToOneSessionAreAllStored) {
  // Veriff's HMAC demo uploads with Promise.all (veriff-api.md §8.2).
  constexpr int kThreads = 8;
  const std::string session = new_session();
  const std::string bytes = fixture("tiny.png");
  std::mutex mutex;
  std::set<std::string> ids;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      const auto reply = upload(*client_, session, upload_body("face", util::base64_encode(bytes)));
      if (reply.status != 200) {
        ++failures;
        return;
      }
      std::lock_guard lock(mutex);
      ids.insert(text_of(parse_object(reply.body).at("image").at("id")));
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  ASSERT_EQ(failures.load(), 0);
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kThreads));
  const auto images = parse_object(list(*client_, session).body).at("images").as_array();
  ASSERT_EQ(images.size(), ids.size());
  for (const auto& image : images) {
    EXPECT_EQ(ids.count(text_of(image.at("id"))), 1U);
    EXPECT_EQ(download(*client_, text_of(image.at("id"))).body, bytes);
  }
}

TEST_F(MediaTest, UploadsRacingTheSubmitAreStoredOrRefusedNeverLost) {
  // Whatever the interleaving: every 200 is listed, every 409 is not.
  constexpr int kThreads = 6;
  const std::string session = new_session();
  const std::string body = upload_body("document-back", util::base64_encode(fixture("tiny.jpg")));
  std::mutex mutex;
  std::set<std::string> stored;
  std::atomic<int> refused{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      const auto reply = upload(*client_, session, body);
      if (reply.status == 200) {
        std::lock_guard lock(mutex);
        stored.insert(text_of(parse_object(reply.body).at("image").at("id")));
      } else if (reply.status == 409) {
        ++refused;
      } else {
        ++unexpected;
      }
    });
  }
  const auto submitted = client_->submit(session);
  for (auto& thread : threads) {
    thread.join();
  }
  ASSERT_EQ(submitted.status, 200);
  ASSERT_EQ(unexpected.load(), 0);
  EXPECT_EQ(stored.size() + static_cast<std::size_t>(refused.load()), static_cast<std::size_t>(kThreads));
  std::set<std::string> listed;
  const auto listing = parse_object(list(*client_, session).body);
  for (const auto& image : listing.at("images").as_array()) {
    listed.insert(text_of(image.at("id")));
  }
  EXPECT_EQ(listed, stored);
}

TEST_F(MediaTest, AnotherIntegrationsMediaAndSessionAre404) {
  const std::string session = new_session();
  const std::string id = text_of(upload_ok(session, "face", fixture("tiny.png")).at("id"));
  for (const auto& reply :
       {download(*other_client_, id), list(*other_client_, session),
        upload(*other_client_, session, upload_body("face", util::base64_encode(fixture("tiny.png"))))}) {
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.body, kNotFoundBody);
    expect_signed(reply, *other_client_);
  }
  // As for an id that does not exist at all, or is not a UUID.
  EXPECT_EQ(download(*client_, "0b6d3d8e-4c1a-4f7e-9a51-3c2b1d0e9f87").body, kNotFoundBody);
  EXPECT_EQ(download(*client_, "not-a-uuid").body, kNotFoundBody);
  EXPECT_EQ(list(*client_, "0b6d3d8e-4c1a-4f7e-9a51-3c2b1d0e9f87").body, kNotFoundBody);
}

TEST_F(MediaTest, DeletingTheSessionRemovesItsMedia) {
  const std::string session = new_session();
  const std::string front = text_of(upload_ok(session, "document-front", fixture("tiny.jpg")).at("id"));
  const std::string back = text_of(upload_ok(session, "document-back", fixture("tiny.png")).at("id"));
  ASSERT_EQ(client_->delete_session(session).status, 200);
  EXPECT_EQ(list(*client_, session).body, kNotFoundBody);
  EXPECT_EQ(download(*client_, front).body, kNotFoundBody);
  EXPECT_EQ(download(*client_, back).body, kNotFoundBody);
  // Gone from the store, not only hidden by the API.
  EXPECT_FALSE(service().store().find_media(front));
  EXPECT_FALSE(service().store().find_media(back));
  EXPECT_TRUE(service().store().list_media(session).empty());
}

TEST_F(MediaTest, SignaturesAreCheckedOverTheBodyAndTheMediaId) {
  const std::string session = new_session();
  const std::string body = upload_body("face", util::base64_encode(fixture("tiny.png")));
  auto reply = client_->send("POST", "/v1/sessions/" + session + "/media", body,
                             auth::hmac_sha256_hex(client_->secret(), session));
  expect_unauthorized(reply, "1819", client_->api_key());
  const std::string id = text_of(upload_ok(session, "face", fixture("tiny.png")).at("id"));
  // GET /v1/media/{id} signs the media id, not the session id.
  reply = client_->send("GET", "/v1/media/" + id, "", auth::hmac_sha256_hex(client_->secret(), session));
  expect_unauthorized(reply, "1818", client_->api_key());
  reply = client_->send("GET", "/v1/sessions/" + session + "/media", "", auth::hmac_sha256_hex(client_->secret(), id));
  expect_unauthorized(reply, "1818", client_->api_key());
}

TEST_F(MediaTest, LegacyXSignatureWorksOnTheMediaRoutes) {
  // Veriff's legacy demo: X-SIGNATURE = sha256(payload ‖ secret) on the upload body,
  // the session id for the list (veriff-api.md §8.2), and the media id for the file.
  const auto legacy = [&](std::string method, std::string target, std::string body, std::string_view signed_part) {
    HttpCall call{std::move(method), std::move(target), std::move(body), {}};
    call.headers.emplace_back("X-AUTH-CLIENT", client_->api_key());
    call.headers.emplace_back("X-SIGNATURE", auth::legacy_sha256_hex(signed_part, client_->secret()));
    return testing::http_call(port(), call);
  };
  const std::string session = new_session();
  const std::string bytes = fixture("tiny.webp");
  const std::string body = upload_body("document-front", util::base64_encode(bytes));
  const auto uploaded = legacy("POST", "/v1/sessions/" + session + "/media", body, body);
  ASSERT_EQ(uploaded.status, 200) << uploaded.body;
  EXPECT_EQ(uploaded.header("x-signature"), auth::legacy_sha256_hex(uploaded.body, client_->secret()));
  EXPECT_FALSE(uploaded.has_header("x-hmac-signature"));
  const std::string id = text_of(parse_object(uploaded.body).at("image").at("id"));

  const auto listed = legacy("GET", "/v1/sessions/" + session + "/media", "", session);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.header("x-signature"), auth::legacy_sha256_hex(listed.body, client_->secret()));

  const auto served = legacy("GET", "/v1/media/" + id, "", id);
  ASSERT_EQ(served.status, 200) << served.body;
  EXPECT_EQ(served.body, bytes);
  EXPECT_EQ(served.header("x-signature"), auth::legacy_sha256_hex(bytes, client_->secret()));

  const auto forged = legacy("POST", "/v1/sessions/" + session + "/media", body, body + " ");
  expect_unauthorized(forged, "1814", client_->api_key());
}

TEST_F(MediaTest, MediaForReadingIsDocumentImagesBackFirstNewestFirst) {
  const std::string session = new_session();
  const std::string front = text_of(upload_ok(session, "document-front", fixture("tiny.png")).at("id"));
  const std::string back_old = text_of(upload_ok(session, "document-back", fixture("tiny.jpg")).at("id"));
  upload_ok(session, "face", fixture("tiny.webp"));
  upload_ok(session, "document-front-face-cropped", fixture("tiny.jpg"));
  upload_ok(session, "document-back", "%PDF-1.4\n%%EOF\n");  // not an image a reader decodes
  const std::string back_new = text_of(upload_ok(session, "document-back-pre", fixture("tiny.webp")).at("id"));

  const auto files = service().store().media_for_reading(session);
  ASSERT_EQ(files.size(), 3U);
  EXPECT_EQ(files[0].media.id, back_new);
  EXPECT_EQ(files[1].media.id, back_old);
  EXPECT_EQ(files[2].media.id, front);
  EXPECT_EQ(files[0].bytes, fixture("tiny.webp"));
  EXPECT_EQ(files[1].bytes, fixture("tiny.jpg"));
  EXPECT_EQ(files[1].media.mimetype, "image/jpeg");
  EXPECT_EQ(files[1].media.context, "document-back");
  EXPECT_EQ(files[1].media.sha256, sha256_hex(fixture("tiny.jpg")));
  EXPECT_EQ(files[1].integration_id, client_->integration_id());
}

TEST_F(MediaTest, DeclaredLengthAboveTheUploadLimitIs413BeforeTheBodyIsSent) {
  const std::string session = new_session();
  const std::string path = "/v1/sessions/" + session + "/media";
  // The server accepts the larger of its own limit and the route's.
  const std::size_t limit =
      std::max(service().config().http.max_body_bytes, service().api().route("POST", path).max_body_bytes);
  ASSERT_GT(limit, service().config().media.max_upload_bytes);
  const auto response = header_only_post(port(), path, limit + 1, client_->api_key());
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.body, fail_body("1101", "Request body is too large"));
}

TEST_F(MediaTest, ContentJustOverVeriffs24MbOfBase64Is413) {
  // Built at run time (and dropped at the end of the test): 24 MiB of base64 and 4
  // more characters, inside the body limit, so the whole body is read and signed.
  const std::size_t limit = service().config().media.max_upload_bytes;
  ASSERT_EQ(limit, 24U << 20);
  const std::string session = new_session();
  const auto reply = upload(*client_, session, upload_body("face", std::string(limit + 4, 'A')));
  expect_error(reply, 413, "1101", "Image content is larger than 25165824 bytes of base64.");
  expect_signed(reply, *client_);
}

// Limits -----------------------------------------------------------------------------

class MediaLimitsTest : public MediaTest {
 protected:
  static constexpr std::size_t kMaxUpload = 8192;
  ServiceOptions options() const override {
    ServiceOptions o;
    o.media_max_upload_bytes = kMaxUpload;
    o.media_max_files_per_session = 3;
    return o;
  }
};

TEST_F(MediaLimitsTest, ContentUpToTheLimitIsAcceptedAndOneGroupMoreIs413) {
  std::string bytes = fixture("tiny.png");
  bytes.resize(kMaxUpload / 4 * 3, '\0');  // base64 of exactly kMaxUpload characters
  ASSERT_EQ(util::base64_encode(bytes).size(), kMaxUpload);
  const std::string session = new_session();
  EXPECT_EQ(upload(*client_, session, upload_body("face", util::base64_encode(bytes))).status, 200);
  bytes += "xyz";
  const auto reply = upload(*client_, session, upload_body("face", util::base64_encode(bytes)));
  expect_error(reply, 413, "1101", "Image content is larger than 8192 bytes of base64.");
  expect_signed(reply, *client_);
}

TEST_F(MediaLimitsTest, MoreFilesThanTheSessionMayHoldIs409) {
  const std::string session = new_session();
  for (int i = 0; i < 3; ++i) {
    upload_ok(session, "face", fixture("tiny.png"));
  }
  const auto reply = upload(*client_, session, upload_body("face", util::base64_encode(fixture("tiny.png"))));
  expect_error(reply, 409, "1101", "The session already holds as many media files as it may.");
  EXPECT_EQ(parse_object(list(*client_, session).body).at("images").as_array().size(), 3U);
}

}  // namespace
}  // namespace inereg::component
