#include "app/descriptor_limit.hpp"

#include <sys/resource.h>

namespace inereg::app {

long raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return -1;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    const rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      return static_cast<long>(before);
    }
  }
  return static_cast<long>(limit.rlim_cur);
}

}  // namespace inereg::app
