// The server writes each response's head itself (http/response_head.hpp): the bytes
// must be the ones Beast's serializer wrote for the message the server used to build.
#include <gtest/gtest.h>

#include <boost/beast/http.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "http/response_head.hpp"

namespace inereg::http {
namespace {

namespace bhttp = boost::beast::http;

// What the server sent before: a Beast message built from the Response, serialized.
std::string beast_bytes(const Response& response, unsigned version, bool keep_alive, bool head) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(response.status), version};
  if (!response.content_type.empty()) {
    out.set(bhttp::field::content_type, response.content_type);
  }
  for (const auto& [name, value] : response.headers) {
    out.set(name, value);
  }
  out.keep_alive(keep_alive);
  out.body() = response.body;
  out.prepare_payload();
  if (head) {
    const auto length = out.body().size();
    out.body().clear();
    out.content_length(length);
  }
  std::ostringstream text;
  text << out;
  return text.str();
}

std::string our_bytes(const Response& response, unsigned version, bool keep_alive, bool head) {
  std::string bytes;
  append_response_head(response, version, keep_alive, bytes);
  if (!head) {
    bytes += response.body;
  }
  return bytes;
}

std::vector<Response> responses() {
  std::vector<Response> all;
  Response signed_answer{200, R"({"active":true,"documentState":"La credencial esta vigente"})"};
  signed_answer.headers = {{"X-AUTH-CLIENT", "6f1c3c1e-0e4b-4f0b-9d55-7c4d1b2a9e10"},
                           {"X-HMAC-SIGNATURE", "a1c28e26697e9b7a4eda5bd6ae426e9426b7fd121bc1826a9e2a90a6fb90c7a0"}};
  all.push_back(signed_answer);
  Response pending{404, R"({"status":"fail","code":"1102","message":"Session not found"})"};
  pending.headers = {{"Retry-After", "2"}, {"X-AUTH-CLIENT", "key"}};
  all.push_back(pending);
  Response no_content{204, ""};
  no_content.content_type = {};
  no_content.headers = {{"Vary", "Origin"}};
  all.push_back(no_content);
  Response page{200, "<!doctype html><p>page</p>"};
  page.content_type = "text/html; charset=utf-8";
  page.headers = {{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}};
  all.push_back(page);
  // A name given twice (in another case): the later value, at the later place.
  Response repeated{429, "{}"};
  repeated.headers = {{"Retry-After", "1"}, {"Vary", "Origin"}, {"retry-after", "30"}};
  all.push_back(repeated);
  Response typed{200, "x"};
  typed.headers = {{"content-type", "text/plain"}};
  all.push_back(typed);
  all.emplace_back(413, R"({"status":"fail","code":"1104","message":"Request too large"})");
  all.emplace_back(503, "");
  all.emplace_back(431, "{}");
  all.emplace_back(500, std::string(70'000, 'x'));
  return all;
}

TEST(ResponseHead, IsWhatBeastsSerializerWrote) {
  for (const auto& response : responses()) {
    for (const unsigned version : {10U, 11U}) {
      for (const bool keep_alive : {true, false}) {
        for (const bool head : {false, true}) {
          SCOPED_TRACE(::testing::Message()
                       << response.status << " HTTP/" << version << " keep-alive " << keep_alive << " HEAD " << head);
          EXPECT_EQ(our_bytes(response, version, keep_alive, head), beast_bytes(response, version, keep_alive, head));
        }
      }
    }
  }
}

TEST(ResponseHead, AppendsToWhatTheBufferHolds) {
  std::string bytes = "kept";
  append_response_head(Response{200, "{}"}, 11, true, bytes);
  EXPECT_EQ(bytes, "keptHTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n");
}

}  // namespace
}  // namespace inereg::http
