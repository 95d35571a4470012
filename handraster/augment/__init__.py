"""handraster.augment"""
