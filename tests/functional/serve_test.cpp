// `inereg serve` start-up: refusing to run without a master key or with a setting it
// does not know, and demo mode, whose printed curl commands must work as printed.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <thread>

#include <boost/asio.hpp>

#include "functional/harness.hpp"
#include "util/io_context.hpp"

namespace inereg::functional {
namespace {

TEST(Serve, WithoutMasterKeyExitsNonZeroExplainingWhy) {
  Workspace workspace;
  const auto result = workspace.cli_with_env({"serve", "--listen", "127.0.0.1:0"}, {{"INEREG_DB", workspace.db_url()}});
  EXPECT_TRUE(result.status.exited) << describe(result.status);
  EXPECT_NE(result.exit_code(), 0);
  EXPECT_NE(result.err.find("INEREG_MASTER_KEY"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("--demo"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("listening"), std::string::npos) << result.err;
}

TEST(Serve, MalformedListenAddressIsAConfigError) {
  Workspace workspace;
  const auto result = workspace.cli({"serve", "--listen", "localhost"});
  EXPECT_TRUE(result.status.exited) << describe(result.status);
  EXPECT_NE(result.exit_code(), 0);
  EXPECT_NE(result.err.find("HOST:PORT"), std::string::npos) << result.err;
}

TEST(Serve, UnknownSettingInTheConfigFileStopsTheStartNamingIt) {
  Workspace workspace;
  const std::string file = workspace.dir().file("bad.toml");
  std::ofstream(file) << "[checks]\nworker = 4\n";
  const auto result = workspace.cli({"serve", "--listen", "127.0.0.1:0", "--config", file});
  EXPECT_TRUE(result.status.exited) << describe(result.status);
  EXPECT_NE(result.exit_code(), 0);
  EXPECT_NE(result.err.find("unknown setting checks.worker in " + file + " (did you mean checks.workers?)"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("listening"), std::string::npos) << result.err;
}

TEST(Serve, UnknownInEregVariableStopsTheStartNamingIt) {
  Workspace workspace;
  const auto result = workspace.cli({"serve", "--listen", "127.0.0.1:0"}, {{"INEREG_CHECKS_WORKER", "4"}});
  EXPECT_TRUE(result.status.exited) << describe(result.status);
  EXPECT_NE(result.exit_code(), 0);
  EXPECT_NE(result.err.find("unknown environment variable INEREG_CHECKS_WORKER (did you mean INEREG_CHECKS_WORKERS?)"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("listening"), std::string::npos) << result.err;
}

// A loopback port nobody listens on right now (bound, then released).
std::uint16_t free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor probe(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return probe.local_endpoint().port();
}

bool accepts_connections(std::uint16_t port) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

TEST(Serve, WhereIoUringIsForbiddenTheBuildsBackendDecides) {
  // As under Docker's default seccomp profile: io_uring_setup fails with EPERM. A build
  // that serves through io_uring stops at start-up saying why and what to change; the
  // epoll build (INEREG_IO_URING=OFF) serves as everywhere.
  Workspace workspace;
  SpawnOptions options;
  options.args = {"serve", "--listen", "127.0.0.1:0"};
  options.env = workspace.env();
  options.cwd = workspace.dir().path();
  options.output_dir = workspace.dir().path();
  options.forbid_io_uring = true;
  if (util::kIoUring) {
    const auto result = run_program(binary_path(), options, kStartTimeout);
    EXPECT_TRUE(result.status.exited) << describe(result.status) << "\n" << result.err;
    EXPECT_NE(result.exit_code(), 0);
    EXPECT_NE(result.err.find("cannot set up io_uring"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("-DINEREG_IO_URING=OFF"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("listening"), std::string::npos) << result.err;
    return;
  }
  ChildProcess server(binary_path(), options);
  const auto [port, pending] = wait_for_listening(server, kStartTimeout);
  wait_for_health(server, port, kStartTimeout);
  EXPECT_NE(server.stderr_text().find("sockets through epoll"), std::string::npos) << server.stderr_text();
  server.send_signal(SIGTERM);
  const auto status = server.wait_for(kStopTimeout);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->exited && status->code == 0) << describe(*status);
}

TEST(Serve, SigtermAsSoonAsThePortAcceptsStopsGracefully) {
  // The signal handlers must be in place before the port accepts: a SIGTERM sent the
  // moment a connection succeeds is a clean stop (exit 0), never death by the signal.
  Workspace workspace;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const auto port = free_port();
    SpawnOptions options;
    options.args = {"serve", "--listen", "127.0.0.1:" + std::to_string(port)};
    options.env = workspace.env();
    options.cwd = workspace.dir().path();
    options.output_dir = workspace.dir().path();
    ChildProcess server(binary_path(), options);
    // A tight probe, not wait_until's backing-off poll: the window this test guards is
    // the few milliseconds right after the port opens.
    const auto deadline = Clock::now() + kStartTimeout;
    while (!accepts_connections(port) && server.running() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    ASSERT_TRUE(server.running()) << "attempt " << attempt << ": " << server.stderr_text();
    server.send_signal(SIGTERM);
    const auto status = server.wait_for(kStopTimeout);
    ASSERT_TRUE(status.has_value()) << "attempt " << attempt << ": did not stop on SIGTERM";
    EXPECT_TRUE(status->exited && status->code == 0) << "attempt " << attempt << ": " << describe(*status);
  }
}

struct DemoCommand {
  std::string api_key;
  std::string signature;
  std::uint16_t port = 0;
  std::string target;
};

std::vector<DemoCommand> ine_registry_commands(const std::string& out) {
  static const std::regex kCurl(
      R"(curl -s -H 'X-AUTH-CLIENT: ([^']+)' -H 'X-HMAC-SIGNATURE: ([0-9a-f]{64})' )"
      R"('http://127\.0\.0\.1:(\d+)(/v1/sessions/[^'/]+/decision/ine-registry\?version=v1)')");
  std::vector<DemoCommand> commands;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), kCurl); it != std::sregex_iterator(); ++it) {
    commands.push_back(
        {(*it)[1].str(), (*it)[2].str(), static_cast<std::uint16_t>(std::stoi((*it)[3].str())), (*it)[4].str()});
  }
  return commands;
}

// Runs `serve --demo` in the workspace (no master key, no INEREG_DB: the demo's own
// defaults in the working directory), performs the two printed ine-registry calls, and
// returns the demo's API key.
std::string run_demo(const Workspace& workspace) {
  SpawnOptions options;
  options.args = {"serve", "--demo", "--listen", "127.0.0.1:0"};
  options.env = {{"INEREG_CHECKS_POLL_MS", "50"}};
  options.cwd = workspace.dir().path();
  options.output_dir = workspace.dir().path();
  ChildProcess demo(binary_path(), options);
  const auto port = wait_for_listening(demo, kStartTimeout).first;
  wait_for_health(demo, port, kStartTimeout);

  // The demo prints (and flushes) its commands before it logs that it listens.
  const std::string out = demo.stdout_text();
  const auto commands = ine_registry_commands(out);
  EXPECT_EQ(commands.size(), 2u) << out;
  if (commands.size() != 2) {
    return {};
  }
  const std::vector<std::string> expected = {
      R"({"active":true,"documentState":"La credencial esta vigente"})",
      R"({"active":false,"documentState":"No se obtuvieron datos de la consulta con los parámetros seleccionados"})",
  };
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const auto& command = commands[i];
    EXPECT_EQ(command.port, port) << "the printed URL must name the port actually bound";
    EXPECT_EQ(command.api_key, commands[0].api_key);
    testing::HttpCall call{
        "GET", command.target, "", {{"X-AUTH-CLIENT", command.api_key}, {"X-HMAC-SIGNATURE", command.signature}}};
    const auto reply = poll_until_ok(command.port, call);
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.body, expected[i]);
  }
  EXPECT_NE(out.find("-> " + expected[0]), std::string::npos) << "the printed expectation matches the answer";

  demo.send_signal(SIGTERM);
  const auto status = demo.wait_for(kStopTimeout);
  EXPECT_TRUE(status.has_value()) << "demo did not stop on SIGTERM";
  if (status) {
    EXPECT_TRUE(status->exited && status->code == 0) << describe(*status);
  }
  return commands[0].api_key;
}

TEST(Serve, DemoPrintsCurlCommandsThatWorkAsPrinted) {
  Workspace workspace;
  const auto api_key = run_demo(workspace);
  ASSERT_FALSE(api_key.empty());

  // The demo keeps its data and its generated master key beside it in the working dir.
  const auto key_file = workspace.dir() / "inereg-demo.db.demo-key";
  EXPECT_TRUE(std::filesystem::exists(workspace.dir() / "inereg-demo.db"));
  ASSERT_TRUE(std::filesystem::exists(key_file));
  struct stat info {};
  ASSERT_EQ(::stat(key_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u) << "the demo master key must be private";
  // The database holds personal data: created private (SQLite gives its WAL, removed
  // at a clean stop, the same mode).
  const auto database_file = workspace.dir() / "inereg-demo.db";
  ASSERT_EQ(::stat(database_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u) << "the database must be readable by its owner only";

  // Run again: the same demo integration, sealed under the kept key, and working commands.
  EXPECT_EQ(run_demo(workspace), api_key);
}

}  // namespace
}  // namespace inereg::functional
