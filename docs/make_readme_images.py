"""Regenerates the README's pictures: docs/images/samples.png (64 default samples, RGB) and
docs/images/labels.png (a few samples with their mask, depth and 2D skeleton).

    python docs/make_readme_images.py
"""
from pathlib import Path

import numpy as np
from PIL import Image

from handraster.scene.config import SceneConfig
from handraster.scene.renderer import Renderer

OUT = Path(__file__).resolve().parent / "images"


def main():
    OUT.mkdir(exist_ok=True)
    r = Renderer(SceneConfig(resolution=(256, 256)))
    b = r.render(np.arange(64), seed=2026)
    tiles = [np.asarray(Image.fromarray(x).resize((160, 160), Image.LANCZOS)) for x in b.rgb]
    sheet = np.concatenate([np.concatenate(tiles[i * 8:(i + 1) * 8], 1) for i in range(8)], 0)
    Image.fromarray(sheet).save(OUT / "samples.png", optimize=True)
    from handraster.data.preview import contact_sheet
    contact_sheet([b.sample(k) for k in range(8)], tile=160, cols=4).save(OUT / "labels.png", optimize=True)
    print("wrote", OUT / "samples.png", OUT / "labels.png")


if __name__ == "__main__":
    main()
