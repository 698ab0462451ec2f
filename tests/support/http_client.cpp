#include "support/http_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <utility>

namespace inereg::testing {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
constexpr auto kReplyDeadline = std::chrono::seconds(30);

std::string serialized(const HttpCall& call) {
  bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(call.method), call.target, 11};
  request.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [name, value] : call.headers) {
    request.set(name, value);
  }
  if (!call.body.empty() || call.method == "POST" || call.method == "PATCH") {
    request.body() = call.body;
    request.prepare_payload();
  }
  std::ostringstream bytes;
  bytes << request;
  return std::move(bytes).str();
}

}  // namespace

struct KeepAliveClient::Connection {
  boost::asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;

  HttpReply read_reply() {
    stream.expires_after(kReplyDeadline);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(std::uint64_t{64} * 1024 * 1024);
    bhttp::read(stream, buffer, parser);
    const auto& response = parser.get();
    HttpReply reply;
    reply.status = static_cast<int>(response.result_int());
    reply.body = response.body();
    for (const auto& field : response) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      reply.headers[name] = std::string(field.value());
    }
    return reply;
  }
};

KeepAliveClient::KeepAliveClient(std::uint16_t port) : connection_(std::make_unique<Connection>()) {
  connection_->stream.expires_after(kReplyDeadline);
  connection_->stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
}

KeepAliveClient::~KeepAliveClient() {
  beast::error_code ignored;
  connection_->stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
}

HttpReply KeepAliveClient::call(const HttpCall& call) {
  return pipeline({call}).front();
}

std::vector<HttpReply> KeepAliveClient::pipeline(const std::vector<HttpCall>& calls) {
  std::string bytes;
  for (const auto& call : calls) {
    bytes += serialized(call);
  }
  connection_->stream.expires_after(kReplyDeadline);
  boost::asio::write(connection_->stream, boost::asio::buffer(bytes));
  std::vector<HttpReply> replies;
  replies.reserve(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    replies.push_back(connection_->read_reply());
  }
  return replies;
}

HttpReply http_call(std::uint16_t port, const HttpCall& call) {
  return KeepAliveClient(port).call(call);
}

std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  boost::asio::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  boost::asio::write(stream, boost::asio::buffer(bytes));
  std::string received;
  std::array<char, 4096> chunk{};
  stream.expires_after(std::chrono::seconds(5));
  for (;;) {
    boost::beast::error_code ec;
    const std::size_t n = stream.read_some(boost::asio::buffer(chunk), ec);
    received.append(chunk.data(), n);
    if (ec) {
      break;
    }
  }
  return received;
}

}  // namespace inereg::testing
