"""The generator's augmentation stage: config ``augment`` -> a function applied to each rendered
RenderBatch before encoding, built on handraster.augment (composite_segments, then
AmplitudeSpectrum). Every choice for sample i is a function of (seed, i) (the augment
module's per-id Philox streams), so shards stay reproducible anywhere.

Segments update rgb, mask (7 arm, 8 object) and visibility; the covered pixel counts of parts
1-6 go to params["augment"]["segments"] (finger_occlusion / occlusion_level keep the renderer's
vertex-based values). When handraster.augment is not installed the stage is skipped and
``status`` says so (recorded in the manifest)."""
from __future__ import annotations

from typing import Callable, Optional, Tuple

import numpy as np

AUG_STREAM, SEG_STREAM = 0x41554731, 0x53454731


def _derived_seed(seed: int, stream: int) -> int:
    return int(np.random.SeedSequence([int(seed), stream]).generate_state(1)[0])


def _segments(cfg, bank, seed: int):
    from handraster.augment import composite_segments
    from handraster.augment.transforms import coin_flips
    sc = cfg.augment.segments

    def apply(batch):
        sel = np.flatnonzero(coin_flips(_derived_seed(seed, SEG_STREAM), batch.index, sc.p))
        if len(sel) == 0:
            return batch
        r = {"rgb": batch.rgb[sel], "mask": batch.mask[sel], "joints2d": batch.joints2d[sel],
             "visibility": batch.visibility[sel]}
        out = composite_segments(r, bank, ids=batch.index[sel], pairing=sc.pairing,
                                 seed=_derived_seed(seed, SEG_STREAM), binary=sc.binary, variant=sc.variant,
                                 use_arm=sc.use_arm, use_obj=sc.use_obj)
        batch.rgb[sel], batch.mask[sel] = out["rgb"], out["mask"]
        batch.visibility[sel] = out["visibility"]
        for n, b in enumerate(sel.tolist()):
            if batch.params:
                batch.params[b].setdefault("augment", {})["segments"] = {
                    "obj_index": int(out["obj_index"][n]), "arm_index": int(out["arm_index"][n]),
                    "part_pixels": np.asarray(out["part_pixels"][n]).tolist(),
                    "part_covered": np.asarray(out["part_covered"][n]).tolist()}
        return batch
    return apply


def _spectrum(cfg, seed: int):
    from handraster.augment import AmplitudeSpectrum
    a = cfg.augment.amplitude_spectrum
    t = AmplitudeSpectrum(alpha=a.alpha, beta=a.beta, k=a.k, mode=a.mode, p=a.p,
                          seed=_derived_seed(seed, AUG_STREAM))

    def apply(batch):  # uint8 renders in place (the fused native path for power-of-two sizes)
        batch.rgb = t.apply_hwc(batch.rgb, ids=batch.index, inplace=True)
        return batch
    return apply


def build_augmenter(cfg, seed: int) -> Tuple[Optional[Callable], str]:
    """(function(batch) -> batch or None, status) for config ``cfg`` and run seed ``seed``."""
    aug = cfg.augment
    want_seg = aug.enabled and aug.segments.p > 0
    want_spec = aug.enabled and aug.amplitude_spectrum.p > 0
    if not (want_seg or want_spec):
        return None, "off"
    try:
        import handraster.augment as mod
        if not hasattr(mod, "AmplitudeSpectrum"):
            raise ImportError
    except ImportError:
        return None, "skipped: handraster.augment is not available in this build"
    stages = []
    if want_seg:
        from handraster.augment import SegmentBank
        bank = SegmentBank.from_folder(aug.segments.source_dir, size=tuple(cfg.resolution))
        stages.append(_segments(cfg, bank, seed))
    if want_spec:
        stages.append(_spectrum(cfg, seed))

    def run(batch):
        for st in stages:
            batch = st(batch)
        return batch
    return run, "applied: " + ", ".join(n for n, w in (("segments", want_seg), ("amplitude_spectrum", want_spec))
                                       if w)
