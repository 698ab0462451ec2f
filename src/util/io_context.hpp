#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace inereg::util {

// Makes `io`'s reactor (an epoll descriptor and an eventfd) now and returns `io`. Asio
// makes it at the context's first timer or socket; when that first use comes while the
// process is out of descriptors, its constructor throws out of a completion handler and
// ends the process (seen: the retry layer's first backoff timer with 30,000 registry
// lookups in flight against a 20,000-descriptor limit). Made at start-up, it exists.
inline boost::asio::io_context& with_reactor(boost::asio::io_context& io) {
  const boost::asio::steady_timer makes_the_reactor(io);
  return io;
}

}  // namespace inereg::util
