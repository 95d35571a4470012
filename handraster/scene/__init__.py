"""handraster.scene"""
