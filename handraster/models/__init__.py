"""handraster.models"""
