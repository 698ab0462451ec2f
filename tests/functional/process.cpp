#include "functional/process.hpp"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "support/wait_until.hpp"

extern char** environ;

namespace inereg::functional {
namespace {

std::atomic<int> next_child_number{0};

// Makes io_uring_setup fail with EPERM for this process and what it executes, as a
// container's seccomp profile does (Docker's default one since 25.0); every other system
// call is allowed. Only async-signal-safe calls: it runs between fork and exec.
bool forbid_io_uring() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0])), filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

int open_output(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "open " + path.string());
  }
  return fd;
}

// The parent's environment without INEREG_*, then the test's variables.
std::vector<std::string> child_environment(const EnvVars& extra) {
  std::vector<std::string> out;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto name = text.substr(0, text.find('='));
    if (name.starts_with("INEREG_") || extra.count(std::string(name)) != 0) {
      continue;
    }
    out.emplace_back(text);
  }
  for (const auto& [name, value] : extra) {
    out.push_back(name + "=" + value);
  }
  return out;
}

ExitStatus decode(int raw) {
  ExitStatus status;
  if (WIFEXITED(raw)) {
    status.exited = true;
    status.code = WEXITSTATUS(raw);
  } else if (WIFSIGNALED(raw)) {
    status.signal = WTERMSIG(raw);
  }
  return status;
}

}  // namespace

std::string describe(const ExitStatus& status) {
  if (status.exited) {
    return "exit code " + std::to_string(status.code);
  }
  return "killed by signal " + std::to_string(status.signal) + " (" + ::strsignal(status.signal) + ")";
}

ChildProcess::ChildProcess(const std::string& program, const SpawnOptions& options) {
  const int number = next_child_number++;
  stdout_path_ = options.output_dir / ("child-" + std::to_string(number) + ".stdout");
  stderr_path_ = options.output_dir / ("child-" + std::to_string(number) + ".stderr");

  // Everything the child needs is built before fork: between fork and exec the child
  // may only make async-signal-safe calls.
  std::vector<std::string> arg_strings;
  arg_strings.push_back(program);
  arg_strings.insert(arg_strings.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv;
  for (auto& arg : arg_strings) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  auto env_strings = child_environment(options.env);
  std::vector<char*> envp;
  for (auto& entry : env_strings) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  const std::string cwd = options.cwd ? options.cwd->string() : std::string();

  const int out_fd = open_output(stdout_path_);
  const int err_fd = open_output(stderr_path_);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ < 0) {
    const int error = errno;
    ::close(out_fd);
    ::close(err_fd);
    ::close(null_fd);
    throw std::system_error(error, std::generic_category(), "fork");
  }
  if (pid_ == 0) {
    // Should the test process crash, no server outlives it (the destructor never runs).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(125);
    }
    // The server installs its own SIGTERM handling; start from defaults.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    if (::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(out_fd, STDOUT_FILENO) < 0 || ::dup2(err_fd, STDERR_FILENO) < 0) {
      ::_exit(126);
    }
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      ::_exit(126);
    }
    if (options.forbid_io_uring && !forbid_io_uring()) {
      ::_exit(126);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out_fd);
  ::close(err_fd);
  ::close(null_fd);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    kill_and_wait();
  }
}

bool ChildProcess::poll_exit() {
  if (status_) {
    return true;
  }
  int raw = 0;
  const pid_t done = ::waitpid(pid_, &raw, WNOHANG);
  if (done == pid_) {
    status_ = decode(raw);
    return true;
  }
  return false;
}

bool ChildProcess::running() {
  return !poll_exit();
}

void ChildProcess::send_signal(int signal) {
  // Never signal a pid that has been reaped: it may belong to someone else by now.
  if (!poll_exit()) {
    ::kill(pid_, signal);
  }
}

std::optional<ExitStatus> ChildProcess::wait_for(milliseconds timeout) {
  if (!testing::wait_until([this] { return poll_exit(); }, timeout, "the child to exit")) {
    return std::nullopt;
  }
  return status_;
}

ExitStatus ChildProcess::kill_and_wait() {
  if (!poll_exit()) {
    ::kill(pid_, SIGKILL);
    int raw = 0;
    while (::waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
    }
    status_ = decode(raw);
  }
  return *status_;
}

std::string ChildProcess::stdout_text() const {
  return read_file(stdout_path_);
}

std::string ChildProcess::stderr_text() const {
  return read_file(stderr_path_);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

CliResult run_program(const std::string& program, const SpawnOptions& options, milliseconds timeout) {
  ChildProcess child(program, options);
  CliResult result;
  if (auto status = child.wait_for(timeout)) {
    result.status = *status;
  } else {
    result.status = child.kill_and_wait();
  }
  result.out = child.stdout_text();
  result.err = child.stderr_text();
  return result;
}

}  // namespace inereg::functional
