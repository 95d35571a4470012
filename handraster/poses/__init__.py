"""handraster.poses"""
