"""handraster._reference"""
