#include "nc/core/process_setup.h"

#include <climits>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nc {

void keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  const char* opt_out = std::getenv("NC_SYSTEM_MALLOC");
  if (opt_out && std::strcmp(opt_out, "0") != 0) return;
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
}

void rerun_with_passive_openmp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY")) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/1);
  execv("/proc/self/exe", argv);  // returns only on failure: go on as we are
}

}  // namespace nc
