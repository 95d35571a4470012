// skin_pair.cpp: the helper thread behind skin_tiles_pair (cpu/skin_pair.h).
//
// Protocol. One helper per process, created on first use. A job is posted by storing kPosted
// in `state` (its inputs were first copied into the Pair); the helper claims it with
// kPosted -> kRunning. The helper's half of the tiles is cut into chunks, each with its own
// state: the helper claims chunks from the first up (kFree -> kHelper -> kDone) and writes them
// to its own scratch array; the caller, after its own half, steals free chunks from the last
// down (kFree -> kCaller) and computes them itself, then copies the helper's finished chunks
// out of the scratch. A chunk the helper holds longer than kChunkWaitNs (descheduled) is taken
// back (kHelper -> kCaller) and redone by the caller. So the caller never waits on a
// descheduled helper for more than a few us, and the helper never writes memory that was
// returned to Python: scratch, input copies and job slot are the Pair's, and a job is posted
// only when state == kIdle.
//
// Spinning is bounded and costs others nothing: the helper spins kSpinNs after its last job,
// then sleeps on a futex; a caller wakes it only when the previous pair call ended less than
// kSpinNs ago (back-to-back calls), so sparse callers never wake it. It runs under SCHED_IDLE,
// so any other runnable thread preempts it: measured at load 6-9 on 2 cores, a normal-priority
// helper raised the mean batch-1 call from ~40-60 us to ~75-120 us (it takes CPU share from
// its own caller under per-session group scheduling), SCHED_IDLE left it at the single-thread
// figure. It does not sched_yield while spinning (the scheduler then starves it), but a woken
// thread is usually put on its waker's CPU, where it would spin while the caller waits: it moves
// off the caller's CPU when it finds itself there. Python threads calling at once: the first
// owns the pair, the others run alone. fork(): the child forgets the helper (pthread_atfork)
// and makes its own on first use.
#include "cpu/skin_pair.h"

#if !defined(HR_CPU_ISA) || HR_CPU_ISA == 0
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cpu/launch_cpu.h"

#ifdef __linux__
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace hr {
#ifdef __linux__
namespace {
constexpr int64_t kSpinNs = 100000;     // the helper's spin after its last job
constexpr int64_t kChunkWaitNs = 3000;  // a chunk takes ~1 us; longer means descheduled
constexpr int kMaxPauses = 1 << 13;     // also bounds that wait (~300 us), should the clock stall
constexpr int64_t kProbeNs = 2000000;   // the helper measures its run-queue wait this often
constexpr double kBusyWait = 0.25;      // waiting more than this fraction: the CPUs are busy
constexpr int64_t kBackoffNs = 20000000, kMaxBackoffNs = 640000000;  // then no jobs for a while
constexpr int kMissesToBackoff = 8;
constexpr int kMaxChunks = 16;
constexpr int kMinChunkTiles = 3;       // two atomics per chunk stay cheap next to its work
enum : int { kIdle = 0, kPosted = 1, kRunning = 2 };            // Pair::state
enum : int { kFree = 0, kHelper = 1, kDone = 2, kCaller = 3 };  // Pair::chunk[c]

int64_t now_ns() {
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

std::atomic<Pair*> g_pair{nullptr};
std::atomic<int> g_init{0};  // 0 not tried, 1 being made, 2 made, 3 unavailable
std::atomic<int> g_mode{0};  // 1 (tests): the caller leaves the helper's chunks to it

void bump(std::atomic<int64_t>& n, int64_t by = 1) {  // single writer: no locked add needed
  n.store(n.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

// Tiles [a, b) of the job's batch element into out (a [V, 3] array).
void run_tiles(const SkinLbsTileOp::Params& p, int a, int b, float* out) {
  if (a >= b) return;
  SkinLbsTileOp::Params q = p;
  q.t0 = a; q.T = b; q.reverse = 0; q.HB = 1; q.vertices = out;
  launch_cpu<SkinLbsTileOp>(q, b - a, 1);
}
int chunk_begin(const Pair& P, int c) { return P.h + c * P.ct; }
int chunk_end(const Pair& P, int c) { return std::min(P.p.T, P.h + (c + 1) * P.ct); }

// On the caller's CPU: move to another allowed CPU, then restore the mask (no pinning: the
// scheduler stays free to move it later).
void move_off_caller(Pair& P) {
  const int cpu = sched_getcpu();
  if (cpu < 0 || cpu >= CPU_SETSIZE || cpu != P.caller_cpu.load(std::memory_order_relaxed)) return;
  cpu_set_t others = P.allowed;
  CPU_CLR(cpu, &others);
  if (CPU_COUNT(&others) == 0) return;
  sched_setaffinity(0, sizeof(others), &others);
  sched_setaffinity(0, sizeof(P.allowed), &P.allowed);
}

// How long this thread has waited on a run queue (ns; -1 when unknown): /proc's schedstat.
int64_t run_delay(int fd) {
  char b[128];
  const ssize_t n = fd < 0 ? -1 : pread(fd, b, sizeof(b) - 1, 0);
  if (n <= 0) return -1;
  b[n] = 0;
  char* end = nullptr;
  std::strtoll(b, &end, 10);  // time on the CPU, then the wait
  return end == b ? -1 : std::strtoll(end, nullptr, 10);
}

// On a busy machine the (SCHED_IDLE) helper rarely gets a CPU and the caller does the work
// anyway, after posting, copying and waking for nothing. So while it spins the helper measures
// its own run-queue wait; above kBusyWait of a window, it refuses jobs for a back-off that
// doubles while the machine stays busy, and sleeps: the caller's path is then the plain one.
struct BusyProbe {
  int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  int64_t start = 0, delay = -1, backoff = kBackoffNs;
  void restart(int64_t t) { start = t; delay = run_delay(fd); }
  bool busy(Pair& P, int64_t t) {  // true: back off now
    if (t - start < kProbeNs) return false;
    const int64_t d = run_delay(fd);
    const bool b = d >= 0 && delay >= 0 && (d - delay) > kBusyWait * (t - start);
    start = t; delay = d;
    if (!b) { backoff = kBackoffNs; return false; }
    P.backoff_until.store(t + backoff, std::memory_order_relaxed);
    backoff = std::min(2 * backoff, kMaxBackoffNs);
    return true;
  }
};

void* helper_main(void* arg) {
  Pair& P = *static_cast<Pair*>(arg);
  // SCHED_IDLE: runs only on otherwise idle cycles (see the file comment). One way: an
  // unprivileged thread may not switch back. HANDRASTER_SKIN_HELPER_IDLE=0 keeps the normal
  // policy (tests that wait for the helper on a busy machine; dedicated machines).
  const char* idle_env = std::getenv("HANDRASTER_SKIN_HELPER_IDLE");
  if (!idle_env || std::strcmp(idle_env, "0") != 0) {
    sched_param sp{};
    sched_setscheduler(0, SCHED_IDLE, &sp);
  }
  BusyProbe probe;
  int64_t idle_since = now_ns();
  probe.restart(idle_since);
  for (int spins = 1;; ++spins) {
    if (P.state.load(std::memory_order_acquire) != kPosted) {
      relax();
      if ((spins & 63) != 0) continue;  // ~2 us of pauses between clock and CPU checks
      move_off_caller(P);
      const int64_t t = now_ns();
      if (t - idle_since > kSpinNs || probe.busy(P, t)) {
        P.sleeping.store(1);  // seq_cst, pairs with the caller's state store / sleeping load
        if (P.state.load() == kIdle)
          syscall(SYS_futex, &P.state, FUTEX_WAIT_PRIVATE, kIdle, nullptr, nullptr, 0);
        P.sleeping.store(0);
        move_off_caller(P);
        idle_since = now_ns();
        probe.restart(idle_since);
      }
      continue;
    }
    int expect = kPosted;
    if (!P.state.compare_exchange_strong(expect, kRunning, std::memory_order_acq_rel)) continue;
    int64_t done = 0;
    for (int c = 0; c < P.nc; ++c) {
      int f = kFree;  // fails once the caller has stolen this chunk (and so all later ones)
      if (!P.chunk[c].compare_exchange_strong(f, kHelper, std::memory_order_acq_rel)) break;
      run_tiles(P.p, chunk_begin(P, c), chunk_end(P, c), P.out.data());
      int held = kHelper;  // fails when the caller took it back: its result goes unused
      done += P.chunk[c].compare_exchange_strong(held, kDone, std::memory_order_release);
    }
    bump(P.helper_chunks, done);
    P.state.store(kIdle, std::memory_order_release);
    idle_since = now_ns();
  }
  return nullptr;
}

void forget_after_fork() {  // the child has no helper thread: it makes a new one on first use
  g_pair.store(nullptr);
  g_init.store(0);
}

Pair* get_pair() {
  Pair* P = g_pair.load(std::memory_order_acquire);
  if (P) return P;
  int expect = 0;
  if (!g_init.compare_exchange_strong(expect, 1)) return nullptr;  // being made, or unavailable
  static std::atomic<bool> registered{false};
  if (!registered.exchange(true)) pthread_atfork(nullptr, nullptr, forget_after_fork);
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof(cpus), &cpus) != 0 || CPU_COUNT(&cpus) < 2) {
    g_init.store(3);
    return nullptr;
  }
  P = new Pair();  // never freed: the helper runs until the process ends
  P->allowed = cpus;
  for (auto& c : P->chunk) c.store(kDone);
  // The helper blocks every signal (Python handles them on its main thread) and is detached.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t tid;
  const bool ok = pthread_create(&tid, &attr, helper_main, P) == 0;
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (!ok) {
    delete P;
    g_init.store(3);
    return nullptr;
  }
  g_pair.store(P, std::memory_order_release);
  g_init.store(2);
  return P;
}

// The caller's side once the job is posted: its own half, then the chunks the helper has not
// started, then the helper's chunks (copied, or redone when the helper stalls on one).
// Returns whether the helper did any of the job.
bool caller_side(Pair& P, const SkinLbsTileOp::Params& p) {
  const bool leave = g_mode.load(std::memory_order_relaxed) == 1;
  run_tiles(p, 0, P.h, p.vertices);
  int stolen = P.nc;
  for (int c = P.nc - 1; c >= 0 && !leave; --c) {
    int f = kFree;
    if (!P.chunk[c].compare_exchange_strong(f, kCaller, std::memory_order_acq_rel)) break;
    run_tiles(p, chunk_begin(P, c), chunk_end(P, c), p.vertices);
    stolen = c;
    bump(P.caller_chunks);
  }
  int posted = kPosted;  // never claimed (asleep or descheduled): withdraw it
  if (!leave) P.state.compare_exchange_strong(posted, kIdle);
  const int64_t deadline = now_ns() + kChunkWaitNs;
  for (int c = 0; c < stolen; ++c) {  // the helper's: done, in progress or (leave) not started
    int s = P.chunk[c].load(std::memory_order_acquire);
    for (int k = 0; s != kDone && (leave || (k < kMaxPauses && ((k & 15) != 15 || now_ns() < deadline))); ++k) {
      relax();
      s = P.chunk[c].load(std::memory_order_acquire);
    }
    if (s != kDone && P.chunk[c].compare_exchange_strong(s, kCaller, std::memory_order_acquire)) {
      run_tiles(p, chunk_begin(P, c), chunk_end(P, c), p.vertices);
      bump(P.taken_back);
      continue;
    }
    const int64_t v0 = static_cast<int64_t>(chunk_begin(P, c)) * kSkinTile;  // kDone (acquire)
    const int64_t v1 = std::min<int64_t>(p.V, static_cast<int64_t>(chunk_end(P, c)) * kSkinTile);
    if (v1 > v0) std::memcpy(p.vertices + v0 * 3, P.out.data() + v0 * 3, (v1 - v0) * 3 * sizeof(float));
  }
  return stolen > 0;
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
  Pair* P = g_pair.load(std::memory_order_acquire);
  while (P && P->state.load(std::memory_order_acquire) == kRunning) relax();
}

void skin_pair_test_mode(int mode) { g_mode.store(mode); }

std::vector<int64_t> skin_pair_stats() {
  Pair* P = g_pair.load(std::memory_order_acquire);
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
