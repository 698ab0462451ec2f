#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

// A registry upstream for tests: a real Beast HTTP(S) server on 127.0.0.1 (port 0) that
// misbehaves on purpose. A test programs what it answers — per request (queue), per
// phase (set_reply) or by a function of the request (set_handler) — and reads what it
// received. Thread-safe; serves on its own thread.
namespace inereg::testing {

struct FakeReply {
  enum class Action {
    kAnswer,  // write an HTTP response (after `delay`)
    kHang,    // read the request, never answer (the connection stays open)
    kReset,   // read the request, then reset the connection (RST, no response)
  };
  Action action = Action::kAnswer;
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};

  static FakeReply situation(int id);                      // 200 {"situacion":id}
  static FakeReply message_code(const std::string& code);  // 200 {"claveMensaje":"code"}
  static FakeReply slow(std::chrono::milliseconds delay, int id);
  static FakeReply hang();
  static FakeReply reset();
  static FakeReply server_error(int status = 503);
  static FakeReply rate_limited(const std::string& retry_after);  // 429; empty: no Retry-After header
  static FakeReply malformed();                                   // 200, application/json, not JSON
  static FakeReply oversized(std::size_t bytes);                  // 200 with a JSON body of `bytes`
  static FakeReply wrong_content_type();                          // 200 text/html with a verdict-looking body
};

struct FakeRequest {
  std::string method;
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::chrono::steady_clock::time_point received_at;
};

class FakeUpstream {
 public:
  struct Tls {
    std::string cert_file;  // PEM certificate chain
    std::string key_file;   // PEM private key
  };
  explicit FakeUpstream(std::optional<Tls> tls = std::nullopt);
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  std::uint16_t port() const { return port_; }
  // "http(s)://127.0.0.1:PORT/v1/lookup"
  std::string url() const;

  // The answer to every request from now on (a phase); initially situation(1).
  void set_reply(FakeReply reply);
  // Answers for the next requests, in order, before the phase's answer applies again.
  void queue(std::vector<FakeReply> replies);
  // Decides each answer from the request (after the queue); clears with nullptr.
  void set_handler(std::function<FakeReply(const FakeRequest&)> handler);

  // TCP connections accepted so far.
  int connections() const;
  // Complete requests received so far (a reset or hung request counts).
  int requests() const;
  std::vector<FakeRequest> received() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
};

// Writes a self-signed CA and a server certificate it signed for `subject_alt_name`
// (e.g. "IP:127.0.0.1") into `dir` with the openssl CLI: ca.pem, server.pem, server.key.
// Throws std::runtime_error if openssl fails.
struct TestCertificates {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};
TestCertificates make_test_certificates(const std::string& dir, const std::string& subject_alt_name);

}  // namespace inereg::testing
