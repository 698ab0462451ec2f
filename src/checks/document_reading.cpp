#include "checks/document_reading.hpp"

#include <algorithm>
#include <cstdint>
#include <span>

namespace inereg::checks {

DocumentJudgement judge_document(const ine::Credential& typed, const std::optional<ine::Mrz>& read) {
  if (read) {
    if (!ine::mrz_disagreements(*read, typed).empty()) {
      return DocumentJudgement{DocumentJudgement::Kind::kMismatch, {}};
    }
    return DocumentJudgement{DocumentJudgement::Kind::kCredential, ine::merge_credential_with_mrz(typed, *read)};
  }
  if (typed.has_lookup_data()) {
    return DocumentJudgement{DocumentJudgement::Kind::kCredential, typed};
  }
  return DocumentJudgement{DocumentJudgement::Kind::kUnreadable, {}};
}

std::string_view judgement_name(DocumentJudgement::Kind kind) {
  switch (kind) {
    case DocumentJudgement::Kind::kCredential:
      return "credential";
    case DocumentJudgement::Kind::kUnreadable:
      return "unreadable";
    case DocumentJudgement::Kind::kMismatch:
      return "mismatch";
  }
  return "unknown";
}

FirstReading read_first_mrz(const vision::MrzReader& reader, const std::vector<store::MediaFile>& images) {
  FirstReading first;
  for (const auto& image : images) {
    if (first.tried == kMaxImagesReadPerCheck) {
      break;
    }
    ++first.tried;
    const auto* data = reinterpret_cast<const std::uint8_t*>(image.bytes.data());
    auto reading = reader.read(std::span<const std::uint8_t>(data, image.bytes.size()));
    if (reading.mrz) {
      first.mrz = std::move(reading.mrz);
      break;
    }
  }
  return first;
}

ReadingPool::ReadingPool(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    threads_.emplace_back([this] { run(); });
  }
}

ReadingPool::~ReadingPool() {
  stop();
}

void ReadingPool::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    queue_.push_back(std::move(task));
  }
  wakeup_.notify_one();
}

std::size_t ReadingPool::stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  wakeup_.notify_all();
  for (auto& thread : threads_) {
    thread.join();
  }
  threads_.clear();
  return dropped.size();
}

void ReadingPool::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wakeup_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) {
      return;
    }
    auto task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace inereg::checks
