// skin_pair.h: batch-1 SkinLbsTileOp split over two cores (cpu/skin_pair.cpp). The pose blend
// of one hand streams ~1.35 MB of blend directions (MANO), more than one core's L2 (1 MB) but
// two halves fit two L2s: the calling thread always runs the first half of the tiles and a
// persistent helper thread the second, so across back-to-back calls each half stays resident
// in its core's L2 instead of being reread from L3. The hand-off is a spin on an atomic, not a
// thread-team wake-up. CPU module only.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/skin.h"

namespace hr {

// Runs SkinLbsTileOp for p.B == 1 over tiles 0..p.T-1 (p.t0 == 0, p.reverse ignored) with the
// helper's help; the result equals launch_cpu<SkinLbsTileOp>(p, p.T, 1) bit for bit (each tile
// is computed by the same code, by one thread). Returns false, having done nothing, when no
// helper can take part (one CPU, another thread is using it, not Linux): run the op alone then.
// Any work the helper has not picked up (it sleeps after ~100 us without calls, or is
// descheduled) is done by the caller, so a busy second core costs a few us, not a time slice.
bool skin_tiles_pair(const SkinLbsTileOp::Params& p);

// Waits until the helper runs no job (it may still be reading the arrays of a job whose caller
// has moved on): call before freeing arrays a past job pointed to.
void skin_pair_quiesce();

// For tests. mode 1: the caller leaves all of the helper's half to it and waits however long
// it takes (so the helper's results are checked; run with HANDRASTER_SKIN_HELPER_IDLE=0, or a
// busy machine may starve the SCHED_IDLE helper for long); 0: normal. stats: this process's helper's
// {jobs, chunks the helper did, chunks the caller did (jobs it withdrew, chunks the helper had
// not started when taken back), chunks taken back from the helper mid-way}.
void skin_pair_test_mode(int mode);
std::vector<int64_t> skin_pair_stats();

}  // namespace hr
