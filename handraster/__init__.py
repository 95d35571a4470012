"""handraster: synthetic 3D hand pose datasets at very high throughput.

The core import needs only numpy and the native extension; torch is imported lazily when a
torch tensor is passed in or a torch-only feature (the VAE prior, fitting) is used.
"""
__version__ = "0.1.0"

import os as _os

# libgomp reads this once, when the native module loads. Worker threads that sleep between
# parallel regions instead of spinning keep a shared machine responsive and measured ~2x
# faster batches on a busy 2-core VM; an explicit user setting wins.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
from handraster.models import HandModel, ModelError, SkinOutput, load_model, save_model  # noqa: E402

__all__ = ["HandModel", "SkinOutput", "ModelError", "load_model", "save_model", "Renderer", "SceneConfig",
           "render_sample", "__version__"]

# Submodules and the renderer load on first use, so `import handraster` stays light (numpy and
# the native module; no torch, no image pools).
_LAZY_MODULES = ("analysis", "augment", "config", "data", "dr", "generate", "models", "poses", "prior",
                 "raster", "scene")
_LAZY_ATTRS = {"Renderer": "handraster.scene.renderer", "render_sample": "handraster.scene.renderer",
               "SceneConfig": "handraster.scene.config"}


def __getattr__(name):
    import importlib
    if name in _LAZY_MODULES:
        return importlib.import_module(f"handraster.{name}")
    if name in _LAZY_ATTRS:
        return getattr(importlib.import_module(_LAZY_ATTRS[name]), name)
    raise AttributeError(f"module 'handraster' has no attribute {name!r}")
