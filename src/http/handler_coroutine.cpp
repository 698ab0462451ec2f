#include "http/handler_coroutine.hpp"

#include <boost/asio.hpp>
#include <boost/asio/spawn.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>

#include <memory>
#include <utility>
#include <vector>

#include "util/suspension.hpp"

// Under AddressSanitizer (GCC defines the first, clang answers the second).
#if defined(__SANITIZE_ADDRESS__)
#define INEREG_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define INEREG_ADDRESS_SANITIZER 1
#endif
#endif
#if defined(INEREG_ADDRESS_SANITIZER)
#include <sanitizer/asan_interface.h>
#endif

namespace inereg::http {
namespace asio = boost::asio;

namespace {

// Stacks for the handlers run as coroutines (ThreadClass::kIoFiber), in Boost.Context's
// stack-allocator shape. Each has a guard page below it, so an overflow faults instead of
// writing over another stack. Mapping and unmapping one per request cost system calls and
// page faults on every write, so each thread keeps the stacks its coroutines freed for
// the next ones (at most as many as were in use at once, up to kKeptPerThread).
class ReusedStacks {
 public:
  // A handler's deepest use is a SQLite read or OpenSSL's sealing under the API's own
  // frames: tens of KiB. A stack's pages are only backed once touched.
  static constexpr std::size_t kStackBytes = std::size_t{256} * 1024;
  static constexpr std::size_t kKeptPerThread = 64;

  boost::context::stack_context allocate() {
    auto& kept = kept_stacks().stacks;
    if (kept.empty()) {
      return boost::context::protected_fixedsize_stack(kStackBytes).allocate();
    }
    const boost::context::stack_context stack = kept.back();
    kept.pop_back();
    return stack;
  }

  void deallocate(boost::context::stack_context& stack) noexcept {
    auto& kept = kept_stacks().stacks;
    if (kept.size() >= kKeptPerThread) {
      boost::context::protected_fixedsize_stack(kStackBytes).deallocate(stack);
      return;
    }
#if defined(INEREG_ADDRESS_SANITIZER)
    // The sanitizer is not told of the coroutines' stack switches (Debian's Boost.Context
    // switches in assembly, which has no hooks for it), so it cannot clear the redzones of
    // frames an exception unwound past: cleared here before the stack serves again.
    ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(stack.sp) - stack.size, stack.size);
#endif
    kept.push_back(stack);
  }

 private:
  struct Kept {
    Kept() = default;
    Kept(const Kept&) = delete;
    Kept& operator=(const Kept&) = delete;
    ~Kept() {
      for (auto& stack : stacks) {
        boost::context::protected_fixedsize_stack(kStackBytes).deallocate(stack);
      }
    }
    std::vector<boost::context::stack_context> stacks;
  };
  static Kept& kept_stacks() {
    thread_local Kept kept;
    return kept;
  }
};

// A handler coroutine's way to wait (util::Suspension): it yields, and the work it waits
// for resumes it on its own I/O thread.
class CoroutineSuspension final : public util::Suspension {
 public:
  CoroutineSuspension(const asio::yield_context& yield, SuspendedCoroutines& suspended)
      : yield_(yield), suspended_(suspended) {}

  void await(const std::function<void(Resume)>& start) override {
    // Not current while suspended: the thread runs other connections' code meanwhile.
    const util::ScopedSuspension none(nullptr);
    auto initiation = [this, &start](auto handler) {
      // Resume may come from any thread, before or after the coroutine has yielded: the
      // post runs it on the coroutine's executor, after the yield.
      auto shared = std::make_shared<decltype(handler)>(std::move(handler));
      suspended_.suspended();
      start([shared, &suspended = suspended_] {
        asio::post(std::move(*shared));
        suspended.resumed();
      });
    };
    asio::async_initiate<const asio::yield_context&, void()>(std::move(initiation), yield_);
  }

 private:
  const asio::yield_context& yield_;
  SuspendedCoroutines& suspended_;
};

}  // namespace

asio::awaitable<Response> handle_in_coroutine(std::function<Response()> handle, SuspendedCoroutines& suspended) {
  auto executor = co_await asio::this_coro::executor;
  auto body = [&handle, &suspended](const asio::yield_context& yield) {
    CoroutineSuspension suspension(yield, suspended);
    const util::ScopedSuspension current(&suspension);
    return handle();
  };
  auto response =
      co_await asio::spawn(executor, std::allocator_arg, ReusedStacks{}, std::move(body), asio::use_awaitable);
  co_return response;
}

}  // namespace inereg::http
