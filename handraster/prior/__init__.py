"""handraster.prior"""
