"""handraster.analysis"""
