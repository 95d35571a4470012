"""handraster.dr: the nvdiffrast-style name of handraster.raster, so that
``import handraster.dr as dr`` replaces ``import nvdiffrast.torch as dr``."""
from handraster.raster import *  # noqa: F401,F403
from handraster.raster import __all__  # noqa: F401
