#pragma once

#include <cstdint>
#include <map>
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

// Sends one request to 127.0.0.1:port and reads the reply. Throws on connection errors.
HttpReply http_call(std::uint16_t port, const HttpCall& call);

// Sends `bytes` as they are (malformed requests, pipelines) on a fresh connection to
// 127.0.0.1:port and returns everything the server writes until it closes the
// connection, or 5 s pass.
std::string raw_exchange(std::uint16_t port, const std::string& bytes);

}  // namespace inereg::testing
