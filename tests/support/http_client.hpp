#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

// A small blocking HTTP/1.1 client over loopback for tests (Boost.Beast). One
// connection per request unless a KeepAliveClient is used. Not thread-safe.
namespace inereg::testing {

struct HttpReply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  bool has_header(const std::string& lower_name) const { return headers.count(lower_name) != 0; }
  std::string header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpCall {
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// One keep-alive connection to 127.0.0.1:port: requests one at a time (call) or several
// in one write (pipeline), replies read in order. Throws on connection errors and after
// 30 s without a whole reply.
class KeepAliveClient {
 public:
  explicit KeepAliveClient(std::uint16_t port);
  ~KeepAliveClient();
  KeepAliveClient(const KeepAliveClient&) = delete;
  KeepAliveClient& operator=(const KeepAliveClient&) = delete;

  HttpReply call(const HttpCall& call);
  std::vector<HttpReply> pipeline(const std::vector<HttpCall>& calls);

 private:
  struct Connection;
  std::unique_ptr<Connection> connection_;
};

// Sends one request to 127.0.0.1:port on a connection of its own and reads the reply.
// Throws on connection errors.
HttpReply http_call(std::uint16_t port, const HttpCall& call);

// Sends `bytes` as they are (malformed requests, pipelines) on a fresh connection to
// 127.0.0.1:port and returns everything the server writes until it closes the
// connection, or 5 s pass.
std::string raw_exchange(std::uint16_t port, const std::string& bytes);

}  // namespace inereg::testing
