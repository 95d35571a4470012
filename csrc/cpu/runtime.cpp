// runtime.cpp: backend services for the CPU module (see common/launch.h).
#include <cstdlib>
#include <cstring>
#include "common/launch.h"

namespace hr {

int cpu_isa_level() {
  int level = 0;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) level = 2;
  if (level == 2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")) level = 3;
#endif
  if (const char* cap = std::getenv("HANDRASTER_CPU_ISA")) {  // for testing the variants
    int c = std::atoi(cap);
    if (c < level) level = c;
  }
  return level;
}
int device_count() { return 0; }
void synchronize(StreamHandle) {}
void check_last_error(const char*) {}
void copy_to_host(void* dst, const void* src, std::size_t bytes) { std::memcpy(dst, src, bytes); }
}  // namespace hr
