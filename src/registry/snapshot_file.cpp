// The low-level SHA-256 calls (SHA256_Init/Update/Final) are deprecated in OpenSSL 3
// but are the only API whose state can be copied without an allocation: the import
// copies the precomputed HMAC states for each of ~100 M keys. EVP_MD_CTX_copy_ex
// allocates per copy.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "registry/snapshot_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace inereg::registry {
namespace {

constexpr std::string_view kMagic = "INEREGS1";
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::string_view kKeyIdText = "inereg ine registry snapshot key id";
// A spilled record: the key, then the line number (low 48 bits), situation and model
// packed in one little-endian u64, so the later of two rows with one key can win.
constexpr std::size_t kSpillRecordSize = kSnapshotKeySize + 8;

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void write_all(int fd, const unsigned char* data, std::size_t size, const char* what) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail_errno(what);
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

std::uint64_t load_be64(const unsigned char* p) {
  std::uint64_t value = 0;
  std::memcpy(&value, p, sizeof value);
  if constexpr (std::endian::native == std::endian::little) {
    value = __builtin_bswap64(value);
  }
  return value;
}

template <typename T>
T load_le(const unsigned char* p) {
  T value{};
  std::memcpy(&value, p, sizeof value);
  static_assert(std::endian::native == std::endian::little, "the snapshot format is little-endian");
  return value;
}

template <typename T>
void store_le(unsigned char* p, T value) {
  std::memcpy(p, &value, sizeof value);
}

// The bucket of a key: its first bits (keys are uniform, so buckets are even).
std::size_t bucket_of(const unsigned char* key) {
  constexpr int kBits = std::countr_zero(SnapshotBuilder::kBuckets);
  return static_cast<std::size_t>(load_be64(key) >> (64 - kBits));
}

std::filesystem::path spill_path(const std::filesystem::path& dir, int writer, std::size_t bucket) {
  // fmt, not "w" + std::to_string(...): g++ 12 at -O3 reports a false -Wrestrict on that
  // concatenation (the demo's Release build).
  return dir / fmt::format("w{}-{}", writer, bucket);
}

void fsync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    fail_errno("open " + dir.string());
  }
  const int result = ::fsync(fd);
  ::close(fd);
  if (result != 0) {
    fail_errno("fsync " + dir.string());
  }
}

}  // namespace

std::string to_hex(std::span<const unsigned char> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char byte : bytes) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0xF]);
  }
  return out;
}

// --- SnapshotKeyHasher --------------------------------------------------------------

SnapshotKeyHasher::SnapshotKeyHasher(std::string_view key) {
  std::array<unsigned char, SHA256_CBLOCK> block{};
  if (key.size() > block.size()) {
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block.data());
  } else {
    std::memcpy(block.data(), key.data(), key.size());
  }
  std::array<unsigned char, SHA256_CBLOCK> pad{};
  for (std::size_t i = 0; i < pad.size(); ++i) {
    pad[i] = block[i] ^ 0x36;
  }
  SHA256_Init(&inner_);
  SHA256_Update(&inner_, pad.data(), pad.size());
  for (std::size_t i = 0; i < pad.size(); ++i) {
    pad[i] = block[i] ^ 0x5c;
  }
  SHA256_Init(&outer_);
  SHA256_Update(&outer_, pad.data(), pad.size());
}

SnapshotKey SnapshotKeyHasher::hash(std::string_view canonical) const {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256_CTX context = inner_;
  SHA256_Update(&context, canonical.data(), canonical.size());
  SHA256_Final(digest.data(), &context);
  context = outer_;
  SHA256_Update(&context, digest.data(), digest.size());
  SHA256_Final(digest.data(), &context);
  SnapshotKey key{};
  std::memcpy(key.data(), digest.data(), key.size());
  return key;
}

SnapshotKey SnapshotKeyHasher::key_id() const {
  return hash(kKeyIdText);
}

// --- SnapshotFile -------------------------------------------------------------------

std::shared_ptr<const SnapshotFile> SnapshotFile::open(const std::filesystem::path& path,
                                                       std::span<const SnapshotKey> key_ids, bool populate) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fail_errno("open snapshot " + path.string());
  }
  const auto fail_closing = [fd](const std::string& what) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    fail_errno(what);
  };
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    fail_closing("stat snapshot " + path.string());
  }
  const auto length = static_cast<std::size_t>(status.st_size);
  const auto problem = [&](const std::string& what) {
    ::close(fd);
    return std::runtime_error("snapshot " + path.string() + ": " + what);
  };
  // The header is checked before the mapping, so a file that is refused (another key, a
  // truncated copy) is never paged in whole.
  std::array<unsigned char, kSnapshotHeaderSize> header{};
  if (length < kSnapshotHeaderSize) {
    throw problem("it is shorter than its header");
  }
  if (::pread(fd, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
    fail_closing("read snapshot header " + path.string());
  }
  if (std::memcmp(header.data(), kMagic.data(), kMagic.size()) != 0) {
    throw problem("not an inereg registry snapshot");
  }
  if (load_le<std::uint32_t>(header.data() + 8) != kFormatVersion ||
      load_le<std::uint32_t>(header.data() + 12) != kSnapshotRecordSize) {
    throw problem("written in another format version");
  }
  const auto rows = load_le<std::uint64_t>(header.data() + 16);
  if (rows > (length - kSnapshotHeaderSize) / kSnapshotRecordSize ||
      kSnapshotHeaderSize + rows * kSnapshotRecordSize != length) {
    throw problem("its length does not match its row count (truncated?)");
  }
  const auto key = std::find_if(key_ids.begin(), key_ids.end(), [&header](const SnapshotKey& id) {
    return std::memcmp(header.data() + 64, id.data(), id.size()) == 0;
  });
  if (key == key_ids.end()) {
    throw problem("made under another master key (its key id differs)");
  }
  void* mapped = ::mmap(nullptr, length, PROT_READ, MAP_SHARED | (populate ? MAP_POPULATE : 0), fd, 0);
  if (mapped == MAP_FAILED) {
    fail_closing("mmap snapshot " + path.string());
  }
  ::close(fd);  // the mapping keeps the file
  // Lookups touch a few pages each, anywhere in the file: no read-ahead.
  ::madvise(mapped, length, MADV_RANDOM);
  std::shared_ptr<SnapshotFile> file(new SnapshotFile());
  file->base_ = static_cast<const unsigned char*>(mapped);
  file->length_ = length;
  file->rows_ = static_cast<std::int64_t>(rows);
  file->key_id_ = *key;
  file->info_.row_count = file->rows_;
  file->info_.imported_at_ms = load_le<std::int64_t>(header.data() + 24);
  file->info_.source_sha256 = to_hex(std::span(header.data() + 32, 32));
  return file;
}

SnapshotFile::~SnapshotFile() {
  if (base_ != nullptr) {
    ::munmap(const_cast<unsigned char*>(base_), length_);
  }
}

std::optional<SnapshotHit> SnapshotFile::find(const SnapshotKey& key) const {
  if (rows_ == 0) {
    return std::nullopt;
  }
  const unsigned char* data = records();
  const auto at = [data](std::int64_t i) { return data + static_cast<std::size_t>(i) * kSnapshotRecordSize; };
  // Keys are uniform (a keyed hash), so the key's first 8 bytes say about where it is:
  // start there and widen by doubling steps until the key is bracketed, then bisect.
  // At 97.5 M rows the guess is off by ~10^4 rows: a few probes, mostly in one or two pages.
  const std::uint64_t wanted = load_be64(key.data());
  constexpr std::int64_t kWideRows = 1LL << 32;  // the product below fits 64 bits under this
  const std::int64_t guess = rows_ < kWideRows
                                 ? static_cast<std::int64_t>(((wanted >> 32) * static_cast<std::uint64_t>(rows_)) >> 32)
                                 : rows_ / 2;
  const auto compare = [&](std::int64_t i) { return std::memcmp(at(i), key.data(), kSnapshotKeySize); };
  std::int64_t low = 0;       // first candidate
  std::int64_t high = rows_;  // one past the last candidate
  const int at_guess = compare(guess);
  if (at_guess == 0) {
    return SnapshotHit{at(guess)[kSnapshotKeySize], static_cast<char>(at(guess)[kSnapshotKeySize + 1])};
  }
  if (at_guess < 0) {
    low = guess + 1;
    for (std::int64_t step = 64; low < rows_; step *= 2) {
      const std::int64_t probe = std::min(guess + step, rows_ - 1);
      if (compare(probe) >= 0) {
        high = probe + 1;
        break;
      }
      low = probe + 1;
      if (probe == rows_ - 1) {
        break;
      }
    }
  } else {
    high = guess;
    for (std::int64_t step = 64; high > 0; step *= 2) {
      const std::int64_t probe = std::max<std::int64_t>(guess - step, 0);
      if (compare(probe) <= 0) {
        low = probe;
        break;
      }
      high = probe;
      if (probe == 0) {
        break;
      }
    }
  }
  while (low < high) {
    const std::int64_t middle = low + (high - low) / 2;
    const int order = compare(middle);
    if (order == 0) {
      return SnapshotHit{at(middle)[kSnapshotKeySize], static_cast<char>(at(middle)[kSnapshotKeySize + 1])};
    }
    if (order < 0) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return std::nullopt;
}

// --- SnapshotBuilder ----------------------------------------------------------------

SnapshotBuilder::Writer::Writer(const std::filesystem::path& dir, int index)
    : files_(kBuckets, -1), buffers_(kBuckets) {
  for (std::size_t bucket = 0; bucket < kBuckets; ++bucket) {
    const auto path = spill_path(dir, index, bucket);
    files_[bucket] = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (files_[bucket] < 0) {
      fail_errno("create " + path.string());
    }
    buffers_[bucket].reserve(kSpillBuffer);
  }
}

void SnapshotBuilder::Writer::add(const SnapshotKey& key, std::int64_t line, int situation, char model) {
  const std::size_t bucket = bucket_of(key.data());
  auto& buffer = buffers_[bucket];
  const std::size_t offset = buffer.size();
  // Grows within the reserved capacity (kSpillBuffer): no reallocation, no zero fill
  // worth counting next to the hash.
  buffer.insert(buffer.end(), key.begin(), key.end());
  buffer.insert(buffer.end(), 8, 0);
  unsigned char* out = buffer.data() + offset;
  const std::uint64_t packed = (static_cast<std::uint64_t>(line) & 0xFFFF'FFFF'FFFFULL) |
                               (static_cast<std::uint64_t>(situation & 0xFF) << 48) |
                               (static_cast<std::uint64_t>(static_cast<unsigned char>(model)) << 56);
  store_le(out + kSnapshotKeySize, packed);
  if (buffer.size() + kSpillRecordSize > kSpillBuffer) {
    flush(bucket);
  }
}

void SnapshotBuilder::Writer::flush(std::size_t bucket) {
  auto& buffer = buffers_[bucket];
  write_all(files_[bucket], buffer.data(), buffer.size(), "write a spill file");
  buffer.clear();
}

void SnapshotBuilder::Writer::finish() {
  for (std::size_t bucket = 0; bucket < kBuckets; ++bucket) {
    if (files_[bucket] >= 0) {
      flush(bucket);
      ::close(files_[bucket]);
      files_[bucket] = -1;
    }
  }
  buffers_.clear();
  buffers_.shrink_to_fit();
}

SnapshotBuilder::SnapshotBuilder(const std::filesystem::path& work_dir, int writers) {
  std::filesystem::create_directories(work_dir);
  std::string pattern = (work_dir / ".import-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    fail_errno("create a work directory in " + work_dir.string());
  }
  dir_ = pattern;
  for (int i = 0; i < writers; ++i) {
    writers_.push_back(std::unique_ptr<Writer>(new Writer(dir_, i)));
  }
}

SnapshotBuilder::~SnapshotBuilder() {
  for (auto& writer : writers_) {
    for (const int fd : writer->files_) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

SnapshotBuildReport SnapshotBuilder::finish(const std::filesystem::path& path, std::int64_t imported_at_ms,
                                            const std::array<unsigned char, 32>& source_sha256,
                                            const SnapshotKey& key_id) {
  for (auto& writer : writers_) {
    writer->finish();
  }
  const auto temporary = std::filesystem::path(path.string() + ".tmp");
  const int out = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) {
    fail_errno("create " + temporary.string());
  }
  SnapshotBuildReport report;
  try {
    std::array<unsigned char, kSnapshotHeaderSize> header{};
    write_all(out, header.data(), header.size(), "write the snapshot");  // rewritten once the count is known
    std::vector<unsigned char> bucket;
    std::vector<unsigned char> output;
    output.reserve(1 << 20);
    for (std::size_t b = 0; b < kBuckets; ++b) {
      bucket.clear();
      for (std::size_t w = 0; w < writers_.size(); ++w) {
        const auto spilled = spill_path(dir_, static_cast<int>(w), b);
        const auto size = static_cast<std::size_t>(std::filesystem::file_size(spilled));
        const std::size_t offset = bucket.size();
        bucket.resize(offset + size);
        const int in = ::open(spilled.c_str(), O_RDONLY | O_CLOEXEC);
        if (in < 0) {
          fail_errno("open " + spilled.string());
        }
        std::size_t done = 0;
        while (done < size) {
          const ssize_t got = ::read(in, bucket.data() + offset + done, size - done);
          if (got <= 0) {
            if (got < 0 && errno == EINTR) {
              continue;
            }
            ::close(in);
            throw std::runtime_error("short read of a spill file");
          }
          done += static_cast<std::size_t>(got);
        }
        ::close(in);
        std::filesystem::remove(spilled);
      }
      const std::size_t count = bucket.size() / kSpillRecordSize;
      // Sort an index of (key high, key low, line) triples: 24-byte moves of plain
      // integers, compared without memcmp calls.
      struct Item {
        std::uint64_t high;
        std::uint64_t low;
        std::uint64_t packed;
      };
      std::vector<Item> items(count);
      for (std::size_t i = 0; i < count; ++i) {
        const unsigned char* record = bucket.data() + i * kSpillRecordSize;
        items[i] = Item{load_be64(record), load_be64(record + 8), load_le<std::uint64_t>(record + kSnapshotKeySize)};
      }
      std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        if (a.high != b.high) {
          return a.high < b.high;
        }
        if (a.low != b.low) {
          return a.low < b.low;
        }
        return (a.packed & 0xFFFF'FFFF'FFFFULL) < (b.packed & 0xFFFF'FFFF'FFFFULL);
      });
      for (std::size_t i = 0; i < count; ++i) {
        const Item& item = items[i];
        if (i + 1 < count && items[i + 1].high == item.high && items[i + 1].low == item.low) {
          ++report.duplicates;  // a later line of the same credential follows: it wins
          continue;
        }
        std::array<unsigned char, kSnapshotRecordSize> record{};
        const std::uint64_t high = __builtin_bswap64(item.high);
        const std::uint64_t low = __builtin_bswap64(item.low);
        std::memcpy(record.data(), &high, 8);
        std::memcpy(record.data() + 8, &low, 8);
        record[kSnapshotKeySize] = static_cast<unsigned char>((item.packed >> 48) & 0xFF);
        record[kSnapshotKeySize + 1] = static_cast<unsigned char>(item.packed >> 56);
        output.insert(output.end(), record.begin(), record.end());
        ++report.rows;
        if (output.size() >= (1 << 20)) {
          write_all(out, output.data(), output.size(), "write the snapshot");
          output.clear();
        }
      }
    }
    write_all(out, output.data(), output.size(), "write the snapshot");
    std::memcpy(header.data(), kMagic.data(), kMagic.size());
    store_le(header.data() + 8, kFormatVersion);
    store_le(header.data() + 12, static_cast<std::uint32_t>(kSnapshotRecordSize));
    store_le(header.data() + 16, static_cast<std::uint64_t>(report.rows));
    store_le(header.data() + 24, imported_at_ms);
    std::memcpy(header.data() + 32, source_sha256.data(), source_sha256.size());
    std::memcpy(header.data() + 64, key_id.data(), key_id.size());
    if (::pwrite(out, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
      fail_errno("write the snapshot header");
    }
    if (::fsync(out) != 0) {
      fail_errno("fsync " + temporary.string());
    }
  } catch (...) {
    ::close(out);
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw;
  }
  ::close(out);
  std::filesystem::rename(temporary, path);
  fsync_dir(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
  return report;
}

}  // namespace inereg::registry
