"""Hand models in MANO format: HandModel, loaders, the built-in hand, joint orders."""
from handraster.models.hand_model import PART_NAMES, HandModel, SkinOutput
from handraster.models.loaders import load_model, save_model
from handraster.models.validate import ModelError

__all__ = ["HandModel", "SkinOutput", "load_model", "save_model", "ModelError", "PART_NAMES"]
