"""handraster.data"""
