"""handraster.prior: the VAE occlusion prior (torch; imported on first use)."""

__all__ = ["OcclusionPrior", "JointVAE"]


def __getattr__(name):
    if name in __all__:
        from handraster.prior import vae
        return getattr(vae, name)
    raise AttributeError(f"module 'handraster.prior' has no attribute {name!r}")
