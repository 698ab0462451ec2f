// Memory under unauthenticated load: clients that declare and send large bodies
// without credentials must not make the server hold those bodies. The server refuses
// them from their headers (Api::admit), so its peak RSS stays near its idle size
// however many such uploads arrive at once.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "functional/harness.hpp"
#include "support/sanitizers.hpp"

namespace inereg::functional {
namespace {

namespace asio = boost::asio;

// VmHWM of a process, in kB (its peak resident set).
std::int64_t peak_rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) {
      return std::stoll(line.substr(6));
    }
  }
  return -1;
}

// One client: declares a 24 MiB media upload without credentials and sends the whole
// body in 1 MiB writes, stopping when the server closes the connection.
// Returns the bytes it managed to send.
std::size_t unauthenticated_upload(std::uint16_t port) {
  constexpr std::size_t kBody = std::size_t{24} << 20;
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) {
    return 0;
  }
  const std::string head =
      "POST /v1/sessions/7d3fbd4c-3d8a-4f2c-9a51-2c1f0f3b9e10/media HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(kBody) + "\r\n\r\n";
  asio::write(socket, asio::buffer(head), ec);
  const std::string chunk(std::size_t{1} << 20, 'A');
  std::size_t sent = 0;
  while (!ec && sent < kBody) {
    sent += asio::write(socket, asio::buffer(chunk), ec);
  }
  return sent;
}

TEST(Flood, UnauthenticatedUploadsDoNotGrowTheServerBeyondItsIdleSize) {
  // 60 here (1.4 GiB declared at once); bench/unauthenticated_flood.sh runs 500.
  const char* configured = std::getenv("INEREG_TEST_FLOOD_CONNECTIONS");
  const int clients = configured != nullptr ? std::atoi(configured) : 60;
  Workspace workspace;
  Server server(workspace);
  const auto idle_kb = peak_rss_kb(server.process().pid());
  ASSERT_GT(idle_kb, 0);

  std::vector<std::thread> threads;
  std::vector<std::size_t> sent(static_cast<std::size_t>(clients));
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] { sent[static_cast<std::size_t>(i)] = unauthenticated_upload(server.port()); });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  const auto peak_kb = peak_rss_kb(server.process().pid());
  std::cout << "flood: " << clients << " clients x 24 MiB without credentials; server VmHWM " << idle_kb << " kB idle, "
            << peak_kb << " kB after\n";
  // Each refused client's body would be 24 MiB: holding even two of them passes this.
  EXPECT_LT(peak_kb - idle_kb, 48 * 1024) << "the server held request bodies it should have refused unread";

  const auto metrics = testing::http_call(server.port(), testing::HttpCall{"GET", "/metrics", "", {}});
  EXPECT_NE(metrics.body.find("inereg_http_refused_before_body_total " + std::to_string(clients) + "\n"),
            std::string::npos)
      << metrics.body;
  EXPECT_TRUE(server.process().running());
}

// One client: a correctly keyed media upload of `body_bytes` with a well-formed but
// wrong signature, sent in 1 MiB writes; the status of the server's answer (0 if none).
int wrongly_signed_upload(std::uint16_t port, const std::string& session_id, const std::string& api_key,
                          std::size_t body_bytes) {
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) {
    return 0;
  }
  const std::string prefix = R"({"image":{"context":"document-front","content":")";
  const std::string suffix = "\"}}";
  const std::string head = "POST /v1/sessions/" + session_id +
                           "/media HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                           "Content-Type: application/json\r\nX-AUTH-CLIENT: " +
                           api_key + "\r\nX-HMAC-SIGNATURE: " + std::string(64, 'e') +
                           "\r\nContent-Length: " + std::to_string(body_bytes) + "\r\n\r\n";
  asio::write(socket, asio::buffer(head + prefix), ec);
  const std::string chunk(std::size_t{1} << 20, 'A');
  std::size_t left = body_bytes - prefix.size() - suffix.size();
  while (!ec && left > 0) {
    const std::size_t n = std::min(left, chunk.size());
    asio::write(socket, asio::buffer(chunk.data(), n), ec);
    left -= n;
  }
  if (!ec) {
    asio::write(socket, asio::buffer(suffix), ec);
  }
  std::string answer(64, '\0');
  boost::system::error_code read_error;
  const std::size_t got = asio::read(socket, asio::buffer(answer), asio::transfer_at_least(12), read_error);
  if (got < 12 || !answer.starts_with("HTTP/1.1 ")) {
    return 0;
  }
  return std::stoi(answer.substr(9, 3));
}

TEST(Flood, WrongSignaturesOnLargeSignedUploadsAreRefusedWithinTheBodyBudget) {
  // An authenticated key with a wrong signature is only known wrong once the body is in:
  // the signature is computed while it arrives, and the bodies held at once stay within
  // http.max_body_bytes_in_flight (here 48 MiB: two 20 MiB bodies), whatever the clients.
  constexpr int kClients = 8;
  constexpr std::size_t kBody = std::size_t{20} << 20;
  Workspace workspace;
  const auto integration = create_integration(workspace, "flood");
  Server server(workspace, {{"INEREG_HTTP_MAX_BODY_BYTES_IN_FLIGHT", std::to_string(48 << 20)}});
  const ApiClient client(server.port(), integration.api_key, integration.secret);
  const auto session_id = client.create_session(session_body_for(unregistered_credential("G")));
  const auto idle_kb = peak_rss_kb(server.process().pid());
  ASSERT_GT(idle_kb, 0);

  std::vector<std::thread> threads;
  std::vector<int> statuses(kClients);
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      statuses[static_cast<std::size_t>(i)] =
          wrongly_signed_upload(server.port(), session_id, integration.api_key, kBody);
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  const auto peak_kb = peak_rss_kb(server.process().pid());
  std::cout << "wrong signatures: " << kClients << " clients x 20 MiB; server VmHWM " << idle_kb << " kB idle, "
            << peak_kb << " kB after\n";
  int refused_unauthorized = 0;
  for (const int status : statuses) {
    // 503: over the body budget (refused from its headers; a client still writing may see
    // the connection reset instead of the answer, 0). Never anything accepted.
    EXPECT_TRUE(status == 401 || status == 503 || status == 0) << status;
    refused_unauthorized += status == 401 ? 1 : 0;
  }
  EXPECT_GE(refused_unauthorized, 1);
#if !defined(INEREG_UNDER_ADDRESS_SANITIZER)
  // The budget (48 MiB) plus room for the allocator and the parser's buffers. Not under
  // AddressSanitizer: its quarantine keeps freed body buffers resident for a while (a
  // fresh clone's ASan run measured 87.5 MB over idle), so its peak says nothing of the
  // budget; the refusals above are checked there too.
  EXPECT_LT(peak_kb - idle_kb, 80 * 1024) << "more bodies were held than the budget allows";
#endif
  EXPECT_TRUE(server.process().running());
}

}  // namespace
}  // namespace inereg::functional
