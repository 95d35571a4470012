// skin_pair_state.h: what the two sides of skin_tiles_pair share (cpu/skin_pair.cpp, the
// caller; cpu/skin_pair_thread.cpp, the helper thread): the Pair, its states and constants.
// Linux only; included only by those two files.
#pragma once
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "cpu/launch_cpu.h"
#include "kernels/skin.h"

namespace hr {
namespace skin_pair_detail {
inline constexpr int64_t kSpinNs = 100000;     // the helper's spin after its last job
inline constexpr int64_t kChunkWaitNs = 3000;  // a chunk takes ~1 us; longer means descheduled
inline constexpr int kMaxPauses = 1 << 13;     // also bounds that wait (~300 us): clock stalls
inline constexpr int64_t kProbeNs = 2000000;   // the helper measures its run-queue wait this often
inline constexpr double kBusyWait = 0.25;      // waiting more than this fraction: the CPUs are busy
inline constexpr int64_t kBackoffNs = 20000000;     // then no jobs for this long, doubling
inline constexpr int64_t kMaxBackoffNs = 640000000;  // up to this while the CPUs stay busy
inline constexpr int kMissesToBackoff = 8;     // the caller backs off after this many jobs
                                               // in a row the helper did not start
inline constexpr int kMaxChunks = 16;
inline constexpr int kMinChunkTiles = 3;       // two atomics per chunk stay cheap next to its work
enum : int { kIdle = 0, kPosted = 1, kRunning = 2 };            // Pair::state
enum : int { kFree = 0, kHelper = 1, kDone = 2, kCaller = 3 };  // Pair::chunk[c]

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}
inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

struct Pair {
  alignas(64) std::atomic<int> state{kIdle};  // also the futex word the helper sleeps on
  std::atomic<int> sleeping{0};
  std::atomic<int> caller_cpu{-1};             // the CPU the last caller posted from
  std::atomic<int64_t> backoff_until{0};       // no jobs before this (now_ns): CPUs busy
  alignas(64) std::atomic<bool> owned{false};  // a caller is using the pair
  int64_t last_end = 0;                        // (owner only) when the last pair call ended
  int misses = 0;                              // (owner only) jobs in a row the helper missed
  int64_t miss_backoff = kBackoffNs;           // (owner only)
  std::atomic<int64_t> jobs{0}, caller_chunks{0}, taken_back{0};  // (owner only) for tests
  alignas(64) std::atomic<int64_t> helper_chunks{0};    // (helper only)
  alignas(64) std::atomic<int> chunk[kMaxChunks];
  // The job: written by the owner while state == kIdle, read by the helper after its claim.
  alignas(64) SkinLbsTileOp::Params p{};  // inputs point into the copies below
  int h = 0, nc = 0, ct = 0;              // first helper tile, chunks, tiles per chunk
  std::vector<float> feature, G, transl, out;
  cpu_set_t allowed;                      // the helper's CPUs
};

extern std::atomic<int> g_mode;  // 1 (tests): the caller leaves the helper's chunks to it
Pair* get_pair();                // the process's helper (made on first use); null: none
Pair* current_pair();            // the same without making one

inline void bump(std::atomic<int64_t>& n, int64_t by = 1) {  // single writer: no locked add needed
  n.store(n.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

// Tiles [a, b) of the job's batch element into out (a [V, 3] array).
inline void run_tiles(const SkinLbsTileOp::Params& p, int a, int b, float* out) {
  if (a >= b) return;
  SkinLbsTileOp::Params q = p;
  q.t0 = a; q.T = b; q.reverse = 0; q.HB = 1; q.vertices = out;
  launch_cpu<SkinLbsTileOp>(q, b - a, 1);
}
inline int chunk_begin(const Pair& P, int c) { return P.h + c * P.ct; }
inline int chunk_end(const Pair& P, int c) { return std::min(P.p.T, P.h + (c + 1) * P.ct); }

}  // namespace skin_pair_detail
}  // namespace hr
