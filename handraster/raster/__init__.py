"""handraster.raster"""
