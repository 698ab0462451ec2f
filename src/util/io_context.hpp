#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>
#include <string_view>
#include <system_error>

namespace inereg::util {

// The kernel interface every socket and timer of the process goes through, chosen at
// build time (CMake's INEREG_IO_URING): Asio has one backend per build.
#if defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
inline constexpr bool kIoUring = true;
#else
inline constexpr bool kIoUring = false;
#endif
// Its name, for the startup line.
inline constexpr std::string_view kIoBackend = kIoUring ? "io_uring" : "epoll";

// Makes `io`'s reactor (an io_uring, or an epoll descriptor and an eventfd) now and
// returns `io`. Asio makes it at the context's first timer or socket; when that first use
// comes while the process is out of descriptors, its constructor throws out of a
// completion handler and ends the process (seen: the retry layer's first backoff timer
// with 30,000 registry lookups in flight against a 20,000-descriptor limit). Made at
// start-up, it exists, or start-up fails with a reason.
inline boost::asio::io_context& with_reactor(boost::asio::io_context& io) {
  try {
    const boost::asio::steady_timer makes_the_reactor(io);
  } catch (const boost::system::system_error& e) {
    if constexpr (kIoUring) {
      // A binary built for io_uring cannot fall back to epoll: say what to change. A
      // std::system_error, which the commands report as an operator's error.
      throw std::system_error(e.code().value(), std::generic_category(),
                              "cannot set up io_uring, which this build serves through (sysctl "
                              "kernel.io_uring_disabled or a container's seccomp profile forbids it: allow "
                              "io_uring, or build inereg with -DINEREG_IO_URING=OFF)");
    } else {
      throw;
    }
  }
  return io;
}

}  // namespace inereg::util
