// skin_pair_thread.cpp: the helper thread of skin_tiles_pair (cpu/skin_pair.cpp has the
// protocol): its creation, spin, sleep and scheduling.
//
// Spinning is bounded and costs others nothing: the helper spins kSpinNs after its last job,
// then sleeps on a futex; a caller wakes it only when the previous pair call ended less than
// kSpinNs ago (back-to-back calls), so sparse callers never wake it. It runs under SCHED_IDLE,
// so any other runnable thread preempts it: measured at load 6-9 on 2 cores, a normal-priority
// helper raised the mean batch-1 call from ~40-60 us to ~75-120 us (it takes CPU share from
// its own caller under per-session group scheduling), SCHED_IDLE left it near the
// single-thread figure. It does not sched_yield while spinning (the scheduler then starves it),
// but a woken thread is usually put on its waker's CPU, where it would spin while the caller
// waits: it moves off the caller's CPU when it finds itself there. fork(): the child forgets
// the helper (pthread_atfork) and makes its own on first use.
#if (!defined(HR_CPU_ISA) || HR_CPU_ISA == 0) && defined(__linux__)
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "cpu/skin_pair_state.h"

namespace hr {
namespace skin_pair_detail {
std::atomic<int> g_mode{0};

namespace {
std::atomic<Pair*> g_pair{nullptr};
std::atomic<int> g_init{0};  // 0 not tried, 1 being made, 2 made, 3 unavailable

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
      int f = kFree;  // fails once the caller has taken this chunk back (and so all later ones)
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

}  // namespace

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


Pair* current_pair() { return g_pair.load(std::memory_order_acquire); }
}  // namespace skin_pair_detail
}  // namespace hr
#endif
