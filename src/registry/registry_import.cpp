#include "registry/registry_import.hpp"

#include <openssl/evp.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "ine/credential.hpp"
#include "registry/registry_file.hpp"
#include "registry/snapshot_file.hpp"

namespace inereg::registry {
namespace {

// Lines travel to the parsing threads in chunks of whole lines of about this size: big
// enough that the queue's locking is noise, small enough that a few in flight stay a
// few MB.
constexpr std::size_t kChunkBytes = 4 << 20;
constexpr std::size_t kMaxLineBytes = 16 << 20;
constexpr std::size_t kReadBytes = std::size_t{64} * 1024;  // the header's reads, and slack beyond a chunk

struct Chunk {
  std::string text;             // whole lines
  std::int64_t first_line = 0;  // the 1-based number of its first line
};

// A bounded queue of chunks from the reading thread to the parsing threads.
class ChunkQueue {
 public:
  explicit ChunkQueue(std::size_t capacity) : capacity_(capacity) {}

  // Dropped once closed (a parsing thread failed: the import stops).
  void push(Chunk chunk) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return chunks_.size() < capacity_ || stopped_; });
    if (stopped_) {
      return;
    }
    chunks_.push_back(std::move(chunk));
    not_empty_.notify_one();
  }
  std::optional<Chunk> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !chunks_.empty() || stopped_; });
    if (chunks_.empty()) {
      return std::nullopt;
    }
    Chunk chunk = std::move(chunks_.front());
    chunks_.pop_front();
    not_full_.notify_one();
    return chunk;
  }
  // No more chunks: pop() answers nullopt once the queue is empty.
  void close() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<Chunk> chunks_;
  std::size_t capacity_;
  bool stopped_ = false;
};

// The input, plain or gzip (zlib reads a plain file through unchanged), and the
// SHA-256 of its content (of the CSV, after gunzip).
class Input {
 public:
  explicit Input(int fd) {
    const int own = ::dup(fd);
    if (own < 0) {
      throw std::runtime_error("cannot read the input");
    }
    file_ = ::gzdopen(own, "rb");
    if (file_ == nullptr) {
      ::close(own);
      throw std::runtime_error("cannot read the input");
    }
    ::gzbuffer(file_, 1 << 20);
    if (EVP_DigestInit_ex(digest_.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("SHA-256 is unavailable");
    }
  }
  ~Input() { ::gzclose(file_); }
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;

  // Appends up to `size` bytes to `out`; 0 at the end.
  std::size_t read(std::string& out, std::size_t size) {
    const std::size_t offset = out.size();
    out.resize(offset + size);
    const int got = ::gzread(file_, out.data() + offset, static_cast<unsigned>(size));
    if (got < 0) {
      int code = 0;
      const char* message = ::gzerror(file_, &code);
      throw std::runtime_error(std::string("reading the input failed: ") + (message != nullptr ? message : "?"));
    }
    out.resize(offset + static_cast<std::size_t>(got));
    EVP_DigestUpdate(digest_.get(), out.data() + offset, static_cast<std::size_t>(got));
    return static_cast<std::size_t>(got);
  }

  std::array<unsigned char, 32> sha256() {
    std::array<unsigned char, 32> out{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(digest_.get(), out.data(), &length);
    return out;
  }

 private:
  gzFile file_ = nullptr;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> digest_{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

// What the parsing threads found, merged at the end.
struct Tally {
  std::mutex mutex;
  std::int64_t imported = 0;
  std::int64_t bad_lines = 0;
  std::vector<ImportProblem> problems;
  std::exception_ptr failure;  // the first parsing thread's error (a spill write, …)
  std::atomic<bool> failed{false};
};

// Parses and hashes the lines of each chunk into its builder writer.
void parse_chunks(ChunkQueue& queue, SnapshotBuilder::Writer& writer, const SnapshotKeyHasher& hasher, Tally& tally) {
  std::int64_t imported = 0;
  std::int64_t bad_lines = 0;
  std::vector<ImportProblem> problems;
  while (auto chunk = queue.pop()) {
    std::string_view text = chunk->text;
    std::int64_t line_number = chunk->first_line;
    while (!text.empty()) {
      const std::size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
      const std::int64_t this_line = line_number++;
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
      }
      if (line.empty()) {
        continue;
      }
      auto parsed = parse_registry_line(line);
      if (auto* problem = std::get_if<std::string>(&parsed)) {
        ++bad_lines;
        if (problems.size() < kMaxProblemsListed) {
          problems.push_back({this_line, std::move(*problem)});
        }
        continue;
      }
      const auto& row = std::get<RegistryRow>(parsed);
      // parse_registry_line guarantees the model's form has all its inputs.
      const auto key = ine::lookup_key(ine::form_for_model(row.model).value(), row.credential).value();
      writer.add(hasher.hash(key.canonical), this_line, row.situation, row.model.front());
      ++imported;
    }
  }
  std::lock_guard lock(tally.mutex);
  tally.imported += imported;
  tally.bad_lines += bad_lines;
  tally.problems.insert(tally.problems.end(), std::make_move_iterator(problems.begin()),
                        std::make_move_iterator(problems.end()));
}

// The files a database named before an activation and no longer names after it. Only
// these are removed: the directory may hold other databases' files (a staging and a
// production database sharing one directory), which an import must never touch. A file
// dropped here cannot come back: names are unique, and a rollback only swaps the two
// files the database still names.
std::vector<std::string> files_dropped(const store::RegistrySnapshotState& before,
                                       const store::RegistrySnapshotState& after) {
  const auto names = [](const store::RegistrySnapshotState& state) {
    std::vector<std::string> files;
    for (const auto& snapshot : {state.active, state.previous}) {
      if (snapshot) {
        files.push_back(snapshot->file);
      }
    }
    return files;
  };
  const auto still_named = names(after);
  std::vector<std::string> dropped;
  for (auto& file : names(before)) {
    if (std::find(still_named.begin(), still_named.end(), file) == still_named.end()) {
      dropped.push_back(std::move(file));
    }
  }
  return dropped;
}

}  // namespace

std::string snapshot_file_name(std::int64_t imported_at_ms, std::string_view source_sha256) {
  return "ine-" + std::to_string(imported_at_ms) + "-" + std::string(source_sha256.substr(0, 12)) + ".snapshot";
}

ImportReport import_registry(store::Store& store, int input_fd, const SnapshotImportOptions& options) {
  ImportReport report;
  Input input(input_fd);
  // The header line, read before any thread starts.
  std::string pending;
  std::size_t newline = std::string::npos;
  while ((newline = pending.find('\n')) == std::string::npos) {
    if (input.read(pending, kReadBytes) == 0) {
      break;
    }
  }
  if (pending.empty()) {
    report.problems.push_back({0, "the file is empty"});
    report.bad_lines = 1;
    return report;
  }
  std::string_view header = std::string_view(pending).substr(0, newline);
  if (!header.empty() && header.back() == '\r') {
    header.remove_suffix(1);
  }
  if (header != kRegistryCsvHeader) {
    report.problems.push_back({1, "header must be: " + std::string(kRegistryCsvHeader)});
    report.bad_lines = 1;
    return report;
  }
  pending.erase(0, newline == std::string::npos ? pending.size() : newline + 1);

  const SnapshotKeyHasher hasher(options.key);
  const int threads = std::max(1, options.threads);
  std::filesystem::create_directories(options.snapshot_dir);
  SnapshotBuilder builder(options.snapshot_dir, threads);
  ChunkQueue queue(static_cast<std::size_t>(threads) * 2);
  Tally tally;
  std::vector<std::jthread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      try {
        parse_chunks(queue, builder.writer(i), hasher, tally);
      } catch (...) {
        {
          std::lock_guard lock(tally.mutex);
          if (!tally.failure) {
            tally.failure = std::current_exception();
          }
        }
        tally.failed = true;
        queue.close();
      }
    });
  }
  std::int64_t next_line = 2;
  try {
    bool at_end = false;
    while (!at_end) {
      while (pending.size() < kChunkBytes && !at_end) {
        at_end = input.read(pending, kChunkBytes - pending.size() + kReadBytes) == 0;
      }
      const std::size_t last = pending.rfind('\n');
      Chunk chunk;
      chunk.first_line = next_line;
      if (at_end || last == std::string::npos) {
        if (!at_end) {
          // A line longer than a chunk: read on, up to a bound (no CSV line is this long).
          if (pending.size() > kMaxLineBytes) {
            throw std::runtime_error("line " + std::to_string(next_line) + " is longer than 16 MB: not a registry CSV");
          }
          at_end = input.read(pending, kChunkBytes) == 0;
          continue;
        }
        chunk.text = std::move(pending);
        pending.clear();
      } else {
        // The chunk takes the buffer; only the unfinished last line is copied back.
        std::string rest = pending.substr(last + 1);
        pending.resize(last + 1);
        chunk.text = std::move(pending);
        pending = std::move(rest);
        pending.reserve(kChunkBytes + kReadBytes);
      }
      if (chunk.text.empty()) {
        continue;
      }
      next_line += static_cast<std::int64_t>(std::count(chunk.text.begin(), chunk.text.end(), '\n')) +
                   (chunk.text.back() == '\n' ? 0 : 1);
      queue.push(std::move(chunk));
      if (tally.failed) {
        break;  // the failure is rethrown after the join
      }
      if (options.on_progress) {
        options.on_progress(next_line - 1);
      }
    }
  } catch (...) {
    queue.close();
    throw;
  }
  queue.close();
  workers.clear();  // joins
  if (tally.failure) {
    std::rethrow_exception(tally.failure);
  }

  report.imported = tally.imported;
  report.bad_lines = tally.bad_lines;
  report.problems = std::move(tally.problems);
  std::sort(report.problems.begin(), report.problems.end(),
            [](const ImportProblem& a, const ImportProblem& b) { return a.line < b.line; });
  if (report.problems.size() > kMaxProblemsListed) {
    report.problems.resize(kMaxProblemsListed);
  }
  if (report.imported == 0) {
    return report;
  }
  const auto digest = input.sha256();
  const std::int64_t imported_at = options.clock();
  const std::string sha_hex = to_hex(digest);
  const std::string name = snapshot_file_name(imported_at, sha_hex);
  const auto built = builder.finish(options.snapshot_dir / name, imported_at, digest, hasher.key_id());
  report.duplicates = built.duplicates;
  const auto before = store.find_registry_snapshot(store::kIneSnapshot);
  store.activate_registry_snapshot(store::kIneSnapshot,
                                   store::SnapshotFileRecord{name, built.rows, imported_at, sha_hex});
  // The legacy table's keys are identifiers in clear: gone once a file answers.
  store.clear_registry_entries();
  // The active file and the one before it stay, for a rollback; the one before that goes.
  for (const auto& file : files_dropped(before, store.find_registry_snapshot(store::kIneSnapshot))) {
    std::error_code ignored;  // already gone (removed by hand, or by a concurrent import)
    std::filesystem::remove(options.snapshot_dir / file, ignored);
  }
  return report;
}

}  // namespace inereg::registry
