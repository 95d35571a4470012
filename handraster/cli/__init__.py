"""handraster.cli"""
