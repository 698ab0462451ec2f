// The body signature is computed while the body is read (api::BodySignature fed by the
// server, issue 15 item 4): signed writes are accepted and wrong signatures refused
// whatever the framing and the size, and the handler takes that verdict instead of
// hashing the body a second time.
#include "service_fixture.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include <array>

#include "api/authenticate.hpp"
#include "auth/signing.hpp"

namespace inereg::component {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

// `body` framed as chunks of `piece` bytes.
std::string chunked(std::string_view body, std::size_t piece) {
  std::string out;
  for (std::size_t at = 0; at < body.size(); at += piece) {
    const auto part = body.substr(at, piece);
    std::array<char, 16> size{};
    const int n = std::snprintf(size.data(), size.size(), "%zx", part.size());
    out.append(size.data(), static_cast<std::size_t>(n)).append("\r\n").append(part).append("\r\n");
  }
  return out + "0\r\n\r\n";
}

class StreamingSignatureTest : public PendingChecksTest {
 protected:
  // A PATCH of session `id` carrying `body` in chunks of 5 bytes, signed with `signature`.
  std::string chunked_patch(const std::string& id, std::string_view body, const std::string& signature) {
    return testing::raw_exchange(port(), "PATCH /v1/sessions/" + id +
                                             " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                             "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                                             "X-AUTH-CLIENT: " +
                                             client_->api_key() + "\r\nX-HMAC-SIGNATURE: " + signature + "\r\n\r\n" +
                                             chunked(body, 5));
  }

  // POST …/media with an image.content of `content_bytes` base64 characters.
  testing::HttpReply large_upload(const std::string& id, std::size_t content_bytes, bool correctly_signed) {
    const std::string body = R"({"image":{"context":"document-front","content":")" + std::string(content_bytes, 'A') +
                             "!\"}}";  // '!' is not base64: a correctly signed upload is 400 1401, not stored
    const std::string signature =
        correctly_signed ? auth::hmac_sha256_hex(client_->secret(), body) : std::string(64, 'e');
    return testing::http_call(port(), testing::HttpCall{"POST",
                                                        "/v1/sessions/" + id + "/media",
                                                        body,
                                                        {{"Content-Type", "application/json"},
                                                         {"X-AUTH-CLIENT", client_->api_key()},
                                                         {"X-HMAC-SIGNATURE", signature}}});
  }
};

TEST_F(StreamingSignatureTest, AChunkedSignedWriteIsVerifiedPieceByPiece) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  const std::string body(kSubmitBody);
  const auto wrong = chunked_patch(id, body, auth::hmac_sha256_hex(client_->secret(), body + " "));
  EXPECT_TRUE(wrong.starts_with("HTTP/1.1 401")) << wrong;
  EXPECT_NE(wrong.find(R"("code":"1819")"), std::string::npos) << wrong;
  EXPECT_EQ(service().store().find_session(id)->status, "created");

  const auto signed_patch = chunked_patch(id, body, auth::hmac_sha256_hex(client_->secret(), body));
  EXPECT_TRUE(signed_patch.starts_with("HTTP/1.1 200")) << signed_patch;
  EXPECT_EQ(service().store().find_session(id)->status, "submitted");
}

TEST_F(StreamingSignatureTest, AWrongSignatureOnALargeBodyIsRefusedAndARightOneIsNot) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  constexpr std::size_t kContent = std::size_t{16} << 20;  // 16 MiB, read in pieces as it arrives
  const auto refused = large_upload(id, kContent, false);
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_EQ(parse_object(refused.body).at("code"), "1819");
  EXPECT_FALSE(refused.has_header("x-hmac-signature"));

  const auto accepted = large_upload(id, kContent, true);
  EXPECT_EQ(accepted.status, 400) << accepted.body;  // past authentication: the content is checked
  EXPECT_EQ(parse_object(accepted.body).at("code"), "1401");
  expect_signed(accepted, *client_);
  EXPECT_TRUE(service().store().list_media(id).empty());
}

TEST_F(StreamingSignatureTest, TheHandlerTakesTheSignatureComputedWhileTheBodyWasRead) {
  const std::string id = client_->create(ine_body(vigente_.credential));
  auto& api = service().api();
  const std::string path = "/v1/sessions/" + id;
  const auto routing = api.route("PATCH", path);
  // Two bodies of one length, both valid: the signature is over the one that was "read".
  const std::string read = R"({"verification":{"status":"submitted"} })";
  const std::string handed = R"({"verification": {"status":"submitted"}})";
  ASSERT_EQ(read.size(), handed.size());
  const std::string signature = auth::hmac_sha256_hex(client_->secret(), read);

  api::ApiRequest head;
  head.method = "PATCH";
  head.path = path;
  head.auth_client = client_->api_key();
  head.hmac_signature = signature;
  head.client_address = "127.0.0.1";
  // What the server does: ask for a digest once the headers pass, feed it the body.
  const auto digest = api.watch_body(head, routing);
  ASSERT_NE(digest, nullptr);
  for (std::size_t at = 0; at < read.size(); at += 4) {
    digest->update(std::string_view(read).substr(at, 4));
  }
  api::ApiRequest request = head;
  request.body = handed;
  request.body_digest = digest.get();
  // Accepted although `signature` does not sign `handed`: the verdict came from the
  // digest, not from a second pass over the body.
  const auto answer = api.handle(request, routing);
  EXPECT_EQ(answer.status, 200) << answer.body;

  // And a digest fed other bytes refuses a body its signature does sign.
  const std::string other_id = client_->create(ine_body(vigente_.credential));
  const std::string other_path = "/v1/sessions/" + other_id;
  const auto other_routing = api.route("PATCH", other_path);  // its id views other_path
  head.path = other_path;
  const std::string handed_signature = auth::hmac_sha256_hex(client_->secret(), handed);
  head.hmac_signature = handed_signature;
  const auto refusing = api.watch_body(head, other_routing);
  ASSERT_NE(refusing, nullptr);
  refusing->update(read);
  api::ApiRequest signed_request = head;
  signed_request.body = handed;
  signed_request.body_digest = refusing.get();
  EXPECT_EQ(api.handle(signed_request, other_routing).status, 401);

  // No digest for a path-signed read, none without a signature header.
  head.hmac_signature.reset();
  EXPECT_EQ(api.watch_body(head, other_routing), nullptr);
  const std::string decision_path = other_path + "/decision";
  EXPECT_EQ(api.watch_body(head, api.route("GET", decision_path)), nullptr);
}

}  // namespace
}  // namespace inereg::component
