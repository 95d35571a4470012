"""The one error type of the scene-asset layer (background images, environment maps, meshes)."""
from __future__ import annotations


class AssetError(ValueError):
    """An asset file or folder cannot be used.

    Attributes: ``path`` (str, the file or folder), ``reason`` (str, what is wrong) and ``kind``
    (what the asset is: "background image" by default, "environment map", "mesh"). The message is
    ``"<kind> '<path>': <reason>"``, e.g. ``background image 'bg/a.jpg': cannot decode (...)``.
    """

    def __init__(self, path, reason: str, kind: str = "background image"):
        self.path = str(path)
        self.reason = str(reason)
        self.kind = kind
        super().__init__(f"{kind} '{self.path}': {self.reason}")

    def __reduce__(self):  # picklable across worker processes
        return (type(self), (self.path, self.reason, self.kind))
