#include "registry/resilience/timers.hpp"

#include <boost/asio/post.hpp>

#include "util/io_context.hpp"

namespace inereg::registry {
namespace asio = boost::asio;

ThreadTimers::ThreadTimers() : work_(asio::make_work_guard(util::with_reactor(io_))), thread_([this] { io_.run(); }) {}

ThreadTimers::~ThreadTimers() {
  stop();
}

void ThreadTimers::after(std::chrono::milliseconds delay, Fire fire) {
  {
    std::lock_guard lock(mutex_);
    if (!stopped_) {
      asio::post(io_, [this, delay, fire = std::move(fire)]() mutable {
        bool stopped = false;
        {
          std::lock_guard lock(mutex_);
          stopped = stopped_;
        }
        if (stopped) {
          fire(true);  // posted before stop(), run after its cancel: never armed
          return;
        }
        const auto id = next_id_++;
        auto timer = std::make_shared<asio::steady_timer>(io_, delay);
        waiting_.emplace(id, timer);
        timer->async_wait([this, id, fire = std::move(fire)](const boost::system::error_code& error) {
          waiting_.erase(id);
          fire(error == asio::error::operation_aborted);
        });
      });
      return;
    }
  }
  fire(true);
}

void ThreadTimers::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      return;
    }
    stopped_ = true;
  }
  asio::post(io_, [this] {
    for (auto& [id, timer] : waiting_) {
      timer->cancel();
    }
  });
  work_.reset();
  thread_.join();  // returns once every cancelled wait has fired
}

}  // namespace inereg::registry
