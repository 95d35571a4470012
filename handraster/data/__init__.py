"""handraster.data: the sample schema, encoders, writers and readers.

``handraster.data.open(DIR)`` reads a generated dataset back (reader.py); the torch wrappers
live in handraster.data.torch_dataset (imported on demand, torch is optional)."""
from handraster.data.reader import HandDataset, open  # noqa: A004
from handraster.data.schema import ARRAY_FIELDS, RenderBatch, concat

__all__ = ["RenderBatch", "ARRAY_FIELDS", "concat", "open", "HandDataset"]
