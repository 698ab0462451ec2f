#pragma once

#include "support/temp_dir.hpp"

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

// Child processes for the functional tests: the real `inereg` binary, run with its
// output captured to files so that a test can read it while the child still runs.
namespace inereg::functional {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using testing::TempDir;

// How a child ended: a normal exit with its code, or death by a signal.
struct ExitStatus {
  bool exited = false;
  int code = -1;   // exit code when exited
  int signal = 0;  // terminating signal otherwise
};

std::string describe(const ExitStatus& status);

// Environment variables for a child. The parent's INEREG_* variables are never passed
// on, so that a developer's shell cannot change what a test runs against.
using EnvVars = std::map<std::string, std::string>;

struct SpawnOptions {
  std::vector<std::string> args;  // without the program name
  EnvVars env;
  std::optional<std::filesystem::path> cwd;
  std::filesystem::path output_dir;  // stdout/stderr go to files here
  // The child's io_uring_setup fails with EPERM, as under Docker's default seccomp
  // profile or with sysctl kernel.io_uring_disabled.
  bool forbid_io_uring = false;
};

// One running child. The destructor kills (SIGKILL) and reaps it if it still runs, so
// a failing test never leaves a server behind.
class ChildProcess {
 public:
  ChildProcess(const std::string& program, const SpawnOptions& options);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void send_signal(int signal);
  // The exit status once the child ended within `timeout`, else nullopt (still running).
  std::optional<ExitStatus> wait_for(milliseconds timeout);
  // SIGKILL and reap; returns the status (a no-op returning the known status if ended).
  ExitStatus kill_and_wait();

  std::string stdout_text() const;
  std::string stderr_text() const;
  const std::filesystem::path& stdout_path() const { return stdout_path_; }
  const std::filesystem::path& stderr_path() const { return stderr_path_; }

 private:
  bool poll_exit();

  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
};

struct CliResult {
  ExitStatus status;
  std::string out;
  std::string err;
  int exit_code() const { return status.exited ? status.code : 128 + status.signal; }
};

// Runs a one-shot command to completion (killed after `timeout`, which fails the caller's
// expectations through a non-exit status). Output files go to `output_dir`.
CliResult run_program(const std::string& program, const SpawnOptions& options,
                      milliseconds timeout = milliseconds(60'000));

std::string read_file(const std::filesystem::path& path);

}  // namespace inereg::functional
