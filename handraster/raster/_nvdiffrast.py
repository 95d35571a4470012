"""The ``backend="nvdiffrast"`` path: forwards the four ops to nvdiffrast.torch when it is
installed and the tensors are on a CUDA device. nvdiffrast is used, never copied."""
from __future__ import annotations

from typing import Any

from handraster import _native

_contexts: dict = {}


def available() -> bool:
    try:
        import nvdiffrast.torch  # noqa: F401
    except Exception:
        return False
    return True


def require(op: str, *arrays: Any) -> None:
    if not available():
        raise RuntimeError(f"handraster.{op}: backend='nvdiffrast' needs the nvdiffrast package "
                           "(not importable here); use backend='native'")
    for a in arrays:
        if a is not None and _native.is_torch(a) and not a.is_cuda:
            raise ValueError(f"handraster.{op}: backend='nvdiffrast' needs torch CUDA tensors; "
                             "use backend='native' for CPU arrays")
        if a is not None and not _native.is_torch(a):
            raise ValueError(f"handraster.{op}: backend='nvdiffrast' needs torch CUDA tensors, "
                             f"got {type(a).__name__}")


def module():
    import nvdiffrast.torch as ndr
    return ndr


def context(glctx: Any, device: Any):
    """A real nvdiffrast context: the caller's own, or one cached per device."""
    if glctx is not None and type(glctx).__module__.startswith("nvdiffrast"):
        return glctx
    key = str(device)
    if key not in _contexts:
        _contexts[key] = module().RasterizeCudaContext(device=device)
    return _contexts[key]
