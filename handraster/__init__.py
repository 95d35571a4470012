"""handraster: synthetic 3D hand pose datasets at very high throughput.

The core import needs only numpy and the native extension; torch is imported lazily when a
torch tensor is passed in or a torch-only feature (the VAE prior, fitting) is used.
"""
__version__ = "0.1.0"
