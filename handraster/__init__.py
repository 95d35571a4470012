"""handraster: synthetic 3D hand pose datasets at very high throughput.

The core import needs only numpy and the native extension; torch is imported lazily when a
torch tensor is passed in or a torch-only feature (the VAE prior, fitting) is used.
"""
__version__ = "0.1.0"

from handraster.models import HandModel, ModelError, SkinOutput, load_model, save_model  # noqa: E402

__all__ = ["HandModel", "SkinOutput", "ModelError", "load_model", "save_model", "__version__"]
