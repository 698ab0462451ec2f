#include "support/fake_upstream.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace inereg::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
}  // namespace

FakeReply FakeReply::situation(int id) {
  FakeReply reply;
  reply.body = "{\"situacion\":" + std::to_string(id) + "}";
  return reply;
}

FakeReply FakeReply::message_code(const std::string& code) {
  FakeReply reply;
  reply.body = "{\"claveMensaje\":\"" + code + "\",\"mensaje\":\"synthetic\"}";
  return reply;
}

FakeReply FakeReply::slow(std::chrono::milliseconds delay, int id) {
  FakeReply reply = situation(id);
  reply.delay = delay;
  return reply;
}

FakeReply FakeReply::hang() {
  FakeReply reply;
  reply.action = Action::kHang;
  return reply;
}

FakeReply FakeReply::reset() {
  FakeReply reply;
  reply.action = Action::kReset;
  return reply;
}

FakeReply FakeReply::server_error(int status) {
  FakeReply reply;
  reply.status = status;
  reply.body = "{\"error\":\"synthetic outage\"}";
  return reply;
}

FakeReply FakeReply::rate_limited(const std::string& retry_after) {
  FakeReply reply;
  reply.status = 429;
  reply.body = "{\"error\":\"slow down\"}";
  if (!retry_after.empty()) {
    reply.headers.emplace_back("Retry-After", retry_after);
  }
  return reply;
}

FakeReply FakeReply::malformed() {
  FakeReply reply;
  reply.body = "{\"situacion\": 1,";
  return reply;
}

FakeReply FakeReply::oversized(std::size_t bytes) {
  FakeReply reply;
  reply.body = "{\"situacion\":1,\"padding\":\"";
  reply.body.append(bytes > reply.body.size() + 2 ? bytes - reply.body.size() - 2 : 0, 'x');
  reply.body += "\"}";
  return reply;
}

FakeReply FakeReply::wrong_content_type() {
  FakeReply reply = situation(1);
  reply.content_type = "text/html";
  return reply;
}

struct FakeUpstream::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::optional<ssl::context> tls;
  std::thread thread;

  mutable std::mutex mutex;
  FakeReply phase = FakeReply::situation(1);
  std::deque<FakeReply> queued;
  std::function<FakeReply(const FakeRequest&)> handler;
  std::vector<FakeRequest> received;
  int accepted = 0;

  FakeReply decide(const FakeRequest& request) {
    std::lock_guard lock(mutex);
    received.push_back(request);
    if (!queued.empty()) {
      auto reply = std::move(queued.front());
      queued.pop_front();
      return reply;
    }
    if (handler) {
      return handler(request);
    }
    return phase;
  }

  template <typename Stream>
  asio::awaitable<void> serve(Stream& stream, tcp::socket& socket) {
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request<bhttp::string_body> request;
      auto [read_error, read] = co_await bhttp::async_read(stream, buffer, request, kAwait);
      if (read_error) {
        co_return;
      }
      FakeRequest seen;
      seen.method = std::string(request.method_string());
      seen.target = std::string(request.target());
      seen.body = request.body();
      seen.received_at = std::chrono::steady_clock::now();
      for (const auto& field : request) {
        std::string name(field.name_string());
        for (auto& c : name) {
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        seen.headers[name] = std::string(field.value());
      }
      const FakeReply reply = decide(seen);
      if (reply.action == FakeReply::Action::kHang) {
        // Holds the connection open until the fake is destroyed.
        asio::steady_timer forever(io, std::chrono::hours(1));
        co_await forever.async_wait(kAwait);
        co_return;
      }
      if (reply.action == FakeReply::Action::kReset) {
        boost::system::error_code ignored;
        socket.set_option(asio::socket_base::linger(true, 0), ignored);
        socket.close(ignored);
        co_return;
      }
      if (reply.delay.count() > 0) {
        asio::steady_timer delay(io, reply.delay);
        co_await delay.async_wait(kAwait);
      }
      bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(reply.status), request.version()};
      response.set(bhttp::field::content_type, reply.content_type);
      for (const auto& [name, value] : reply.headers) {
        response.set(name, value);
      }
      response.keep_alive(request.keep_alive());
      response.body() = reply.body;
      response.prepare_payload();
      auto [write_error, written] = co_await bhttp::async_write(stream, response, kAwait);
      if (write_error || response.need_eof()) {
        co_return;
      }
    }
  }

  asio::awaitable<void> connection(tcp::socket socket) {
    if (!tls) {
      co_await serve(socket, socket);
      co_return;
    }
    ssl::stream<tcp::socket&> secure(socket, *tls);
    auto [handshake_error] = co_await secure.async_handshake(ssl::stream_base::server, kAwait);
    if (handshake_error) {
      co_return;  // e.g. the client refused our certificate
    }
    co_await serve(secure, socket);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [error, socket] = co_await acceptor.async_accept(kAwait);
      if (error) {
        co_return;
      }
      {
        std::lock_guard lock(mutex);
        ++accepted;
      }
      asio::co_spawn(io, connection(std::move(socket)), asio::detached);
    }
  }
};

FakeUpstream::FakeUpstream(std::optional<Tls> tls) : impl_(std::make_unique<Impl>()), tls_(tls.has_value()) {
  if (tls) {
    impl_->tls.emplace(ssl::context::tls_server);
    impl_->tls->use_certificate_chain_file(tls->cert_file);
    impl_->tls->use_private_key_file(tls->key_file, ssl::context::pem);
  }
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

FakeUpstream::~FakeUpstream() {
  impl_->io.stop();
  impl_->thread.join();
}

std::string FakeUpstream::url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + "/v1/lookup";
}

void FakeUpstream::set_reply(FakeReply reply) {
  std::lock_guard lock(impl_->mutex);
  impl_->phase = std::move(reply);
}

void FakeUpstream::queue(std::vector<FakeReply> replies) {
  std::lock_guard lock(impl_->mutex);
  for (auto& reply : replies) {
    impl_->queued.push_back(std::move(reply));
  }
}

void FakeUpstream::set_handler(std::function<FakeReply(const FakeRequest&)> handler) {
  std::lock_guard lock(impl_->mutex);
  impl_->handler = std::move(handler);
}

int FakeUpstream::requests() const {
  std::lock_guard lock(impl_->mutex);
  return static_cast<int>(impl_->received.size());
}

int FakeUpstream::connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->accepted;
}

std::vector<FakeRequest> FakeUpstream::received() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->received;
}

TestCertificates make_test_certificates(const std::string& dir, const std::string& subject_alt_name) {
  TestCertificates files{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key"};
  const std::string quiet = " >/dev/null 2>&1";
  const std::string commands[] = {
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=inereg-test-ca -keyout '" + dir + "/ca.key' -out '" +
          files.ca_file + "'" + quiet,
      "openssl req -newkey rsa:2048 -nodes -subj /CN=inereg-test-upstream -keyout '" + files.key_file + "' -out '" +
          dir + "/server.csr'" + quiet,
      "printf 'subjectAltName=" + subject_alt_name + "\\n' > '" + dir + "/san.ext'",
      "openssl x509 -req -in '" + dir + "/server.csr' -CA '" + files.ca_file + "' -CAkey '" + dir +
          "/ca.key' -CAcreateserial -days 2 -extfile '" + dir + "/san.ext' -out '" + files.cert_file + "'" + quiet,
  };
  for (const auto& command : commands) {
    if (std::system(command.c_str()) != 0) {
      throw std::runtime_error("openssl failed: " + command);
    }
  }
  return files;
}

}  // namespace inereg::testing
