"""handraster.raster (also ``handraster.dr``): nvdiffrast-compatible rasterize, interpolate,
texture and antialias on CPU (OpenMP) and CUDA, with nvdiffrast's conventions and call
signatures, so code written for ``nvdiffrast.torch`` runs unchanged::

    import handraster.raster as dr
    glctx = dr.RasterizeCudaContext()          # a no-op stand-in; CPU arrays work too
    rast, rast_db = dr.rasterize(glctx, pos, tri, resolution=(256, 256))
    normals, _ = dr.interpolate(vnormals, rast, tri)

Forward only (no autograd). ``backend="nvdiffrast"`` forwards to nvdiffrast on CUDA tensors.
"""
from handraster.raster._common import (RasterizeContext, RasterizeCPUContext, RasterizeCudaContext,
                                       RasterizeGLContext)
from handraster.raster.antialias import TopologyHash, antialias, antialias_construct_topology_hash
from handraster.raster.interpolate import interpolate
from handraster.raster.rasterize import rasterize, rasterize_depth
from handraster.raster.texture import TextureMip, texture, texture_construct_mip

__all__ = ["rasterize", "rasterize_depth", "interpolate", "texture", "texture_construct_mip", "antialias",
           "antialias_construct_topology_hash", "RasterizeContext", "RasterizeCPUContext",
           "RasterizeCudaContext", "RasterizeGLContext", "TextureMip", "TopologyHash"]
