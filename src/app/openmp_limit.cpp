#include "app/openmp_limit.hpp"

#include <unistd.h>

#include <cstdlib>

namespace inereg::app {

void limit_openmp_threads(char** argv) {
  if (std::getenv("OMP_THREAD_LIMIT") != nullptr) {
    return;  // the operator's choice, or this process was already re-executed
  }
  if (setenv("OMP_THREAD_LIMIT", "1", 1) != 0) {
    return;
  }
  execv("/proc/self/exe", argv);
  // Only reached when exec failed (no /proc): carry on with libgomp's defaults.
}

}  // namespace inereg::app
