"""handraster.augment: image augmentations that run batched inside a training loop or the
generator, on numpy arrays (CPU) and torch/cupy arrays (CPU or CUDA).

- amplitude_spectrum / AmplitudeSpectrum: PASTA amplitude-spectrum augmentation.
- SegmentBank / composite_segments: real arm and object segments composed over renders
  (the synthetic-to-real gap paper's Eq. 2), with labels updated.
"""
from handraster.augment.spectral import amplitude_spectrum, draw_seed
from handraster.augment.segment_bank import SegmentBank
from handraster.augment.segments import composite_segments
from handraster.augment.transforms import AmplitudeSpectrum

__all__ = ["amplitude_spectrum", "draw_seed", "AmplitudeSpectrum", "SegmentBank",
           "composite_segments"]
