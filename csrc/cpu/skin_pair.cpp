// skin_pair.cpp: skin_tiles_pair's protocol and the caller's side (cpu/skin_pair.h).
//
// Protocol. One helper per process, created on first use. A job is posted by storing kPosted
// in `state` (its inputs were first copied into the Pair); the helper claims it with
// kPosted -> kRunning, or the caller, done with its own half, withdraws it unclaimed and does
// it all. The helper's half of the tiles is cut into chunks, each with its own state: the
// helper claims them from the first up (kFree -> kHelper -> kDone) and writes them to its own
// scratch array, which the caller copies out. A chunk without progress for kChunkWaitNs
// (helper descheduled) is taken back (kFree or kHelper -> kCaller) and done by the caller, and
// so is every later one. So the caller never waits on a descheduled helper for more than a
// few us, and the helper never writes memory that was returned to Python: scratch, input
// copies and job slot are the Pair's, and a job is posted only when state == kIdle.
//
// Python threads calling at once: the first owns the pair, the others run alone. The helper
// thread itself (spin, sleep, SCHED_IDLE, back-off, fork) is cpu/skin_pair_thread.cpp.
#include "cpu/skin_pair.h"

#if !defined(HR_CPU_ISA) || HR_CPU_ISA == 0
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "cpu/skin_pair_state.h"
#endif

namespace hr {
#ifdef __linux__
using namespace skin_pair_detail;

namespace {
// The caller's side once the job is posted: its own half, then the helper's chunks in order,
// copied from its scratch when done. It does not steal chunks the helper is making progress
// on: computing them would pull the helper's half of the directions into the caller's L2 and
// evict its own (measured: the helper then did 67-91% of its chunks and a call took 12.8-14.5
// us). A chunk with no progress for kChunkWaitNs (helper descheduled) is taken back, and so
// then is every later one. Returns whether the helper did any of the job.
bool caller_side(Pair& P, const SkinLbsTileOp::Params& p) {
  const bool leave = g_mode.load(std::memory_order_relaxed) == 1;
  run_tiles(p, 0, P.h, p.vertices);
  int posted = kPosted;  // never claimed (asleep or descheduled): withdraw it, do it all
  if (!leave && P.state.compare_exchange_strong(posted, kIdle)) {
    run_tiles(p, P.h, P.p.T, p.vertices);
    bump(P.caller_chunks, P.nc);
    return false;
  }
  bool helped = false, late = false;
  int64_t deadline = now_ns() + kChunkWaitNs;
  for (int c = 0; c < P.nc; ++c) {
    int s = P.chunk[c].load(std::memory_order_acquire);
    for (int k = 0; s != kDone; ++k) {
      if (!late && !leave && (k >= kMaxPauses || ((k & 15) == 15 && now_ns() > deadline))) late = true;
      if (late && P.chunk[c].compare_exchange_strong(s, kCaller, std::memory_order_acquire)) break;
      relax();
      s = P.chunk[c].load(std::memory_order_acquire);
    }
    if (s != kDone) {  // taken back (free or held): the helper's result, if any, goes unused
      run_tiles(p, chunk_begin(P, c), chunk_end(P, c), p.vertices);
      bump(s == kFree ? P.caller_chunks : P.taken_back);
      continue;
    }
    helped = true;
    deadline = now_ns() + kChunkWaitNs;  // progress: the next chunk gets its own wait
    const int64_t v0 = static_cast<int64_t>(chunk_begin(P, c)) * kSkinTile;  // kDone (acquire)
    const int64_t v1 = std::min<int64_t>(p.V, static_cast<int64_t>(chunk_end(P, c)) * kSkinTile);
    if (v1 > v0) std::memcpy(p.vertices + v0 * 3, P.out.data() + v0 * 3, (v1 - v0) * 3 * sizeof(float));
  }
  return helped;
}
}  // namespace

bool skin_tiles_pair(const SkinLbsTileOp::Params& p) {
  if (p.B != 1 || p.t0 != 0 || p.T < 2) return false;
  Pair* P = get_pair();
  bool free_pair = false;
  if (!P || !P->owned.compare_exchange_strong(free_pair, true, std::memory_order_acquire)) return false;
  const int64_t t0 = now_ns();
  if (t0 < P->backoff_until.load(std::memory_order_relaxed) && g_mode.load() != 1) {
    P->owned.store(false, std::memory_order_release);
    return false;
  }
  if (P->state.load(std::memory_order_acquire) != kIdle) {  // still on a job it was overtaken on
    P->owned.store(false, std::memory_order_release);
    return false;
  }
  // The job: copies of the per-call inputs (the caller's buffers may be gone before the helper
  // is done with them), the output redirected to the helper's scratch.
  const int n = p.T - p.T / 2;
  P->h = p.T / 2;
  P->ct = std::max(kMinChunkTiles, (n + kMaxChunks - 1) / kMaxChunks);
  P->nc = (n + P->ct - 1) / P->ct;
  P->feature.assign(p.feature, p.feature + p.Q);
  P->G.assign(p.G, p.G + static_cast<int64_t>(p.J) * 12);
  if (p.transl) P->transl.assign(p.transl, p.transl + 3);
  if (P->out.size() < static_cast<size_t>(p.V) * 3) P->out.resize(static_cast<size_t>(p.V) * 3);
  P->p = p;
  P->p.feature = P->feature.data();
  P->p.G = P->G.data();
  P->p.transl = p.transl ? P->transl.data() : nullptr;
  for (int c = 0; c < P->nc; ++c) P->chunk[c].store(kFree, std::memory_order_relaxed);
  const bool back_to_back = t0 - P->last_end < kSpinNs;
  P->caller_cpu.store(sched_getcpu(), std::memory_order_relaxed);
  P->state.store(kPosted);  // seq_cst: see helper_main's sleeping store
  if ((back_to_back || g_mode.load(std::memory_order_relaxed) == 1) && P->sleeping.load())
    syscall(SYS_futex, &P->state, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  // A helper that gets no CPU (SCHED_IDLE on a busy machine) cannot measure its own wait: the
  // caller backs off too after kMissesToBackoff jobs in a row it had to do alone.
  if (caller_side(*P, p)) {
    P->misses = 0;
    P->miss_backoff = kBackoffNs;
  } else if (++P->misses >= kMissesToBackoff) {
    P->backoff_until.store(now_ns() + P->miss_backoff, std::memory_order_relaxed);
    P->miss_backoff = std::min(2 * P->miss_backoff, kMaxBackoffNs);
    P->misses = 0;
  }
  bump(P->jobs);
  P->last_end = now_ns();
  P->owned.store(false, std::memory_order_release);
  return true;
}

void skin_pair_quiesce() {
  Pair* P = current_pair();
  while (P && P->state.load(std::memory_order_acquire) == kRunning) relax();
}

void skin_pair_test_mode(int mode) { g_mode.store(mode); }

std::vector<int64_t> skin_pair_stats() {
  Pair* P = current_pair();
  if (!P) return {0, 0, 0, 0};
  return {P->jobs.load(), P->helper_chunks.load(), P->caller_chunks.load(), P->taken_back.load()};
}
#else   // not Linux: no helper
bool skin_tiles_pair(const SkinLbsTileOp::Params&) { return false; }
void skin_pair_quiesce() {}
void skin_pair_test_mode(int) {}
std::vector<int64_t> skin_pair_stats() { return {0, 0, 0, 0}; }
#endif

}  // namespace hr
#endif
