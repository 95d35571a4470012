"""Render a hand model in a few poses and views to a PNG (a quick look, no GPU needed).

    python -m handraster.models.show default --pose fist --out fist.png
    python -m handraster.models.show default --pose flat,fist,point --views palm,back,side \
        --out poses.png

Rows are poses, columns are views (palm, back, side = from the thumb side, with the fingers
up). Uses the numpy orthographic renderer in models/ortho_preview.py; all panels share one
scale so the poses compare.
"""
from __future__ import annotations

import argparse
from typing import Sequence

import numpy as np

from handraster.models.ortho_preview import VIEWS, render

SKIN = np.array([0.87, 0.67, 0.56])
NAIL = np.array([0.96, 0.84, 0.82])
PART_COLORS = np.array([[0, 0, 0], [0.87, 0.67, 0.56], [0.9, 0.45, 0.45], [0.45, 0.75, 0.45],
                        [0.45, 0.55, 0.9], [0.9, 0.8, 0.4], [0.7, 0.5, 0.9], [0.65, 0.65, 0.65],
                        [0.3, 0.3, 0.3]])


def vertex_colors(model, parts: bool = False) -> np.ndarray:
    """[V,3] colours in [0,1]: skin with lighter nails, or one colour per part label."""
    V = model.num_vertices
    if parts and model.vertex_parts is not None:
        col = PART_COLORS[model.vertex_parts]
    else:
        col = np.tile(SKIN, (V, 1))
    if model.nail_mask is not None:
        m = model.nail_mask[:, None].astype(np.float64)
        col = col * (1 - m) + NAIL * m
    return col


def posed_vertices(model, pose_name: str, betas=None) -> np.ndarray:
    """Vertices [V,3] of the model in a named pose (poses.library) or 'rest'."""
    from handraster.poses.library import get_pose
    hp = np.zeros((1, model.pose_dim), np.float32) if pose_name in ("rest", "flat") else \
        get_pose(pose_name, model.side)[None]
    b = None if betas is None else np.asarray(betas, np.float32)[None]
    return np.asarray(model.forward(hand_pose=hp, betas=b).vertices[0], np.float64)


def render_grid(model, poses: Sequence[str], views: Sequence[str], size: int = 320,
                parts: bool = False, betas=None, frame_hand: bool = True) -> np.ndarray:
    """uint8 [len(poses)*size, len(views)*size, 3] image of every pose in every view.
    frame_hand: fit the panels to the hand (the forearm runs off the bottom edge)."""
    col = vertex_colors(model, parts)
    verts = [posed_vertices(model, p, betas) for p in poses]
    fit = np.ones(model.num_vertices, bool)
    if frame_hand and model.vertex_parts is not None and (model.vertex_parts != 7).any():
        fit = model.vertex_parts != 7
    rows = []
    for v in verts:
        row = []
        for name in views:
            R = VIEWS[name]
            allp = np.concatenate([u[fit] @ R.T for u in verts])
            centre = (allp[:, :2].min(0) + allp[:, :2].max(0)) / 2
            extent = (allp[:, :2].max(0) - allp[:, :2].min(0)).max() * 1.1
            row.append(render(v, model.faces, col, R, size, centre, extent))
        rows.append(np.concatenate(row, 1))
    return np.concatenate(rows, 0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m handraster.models.show", description=__doc__.split("\n")[0])
    ap.add_argument("model", nargs="?", default="default", help="model name or path (load_model)")
    ap.add_argument("--pose", default="flat", help="comma-separated pose names (poses.library)")
    ap.add_argument("--views", default="palm,back,side", help=f"comma-separated views: {', '.join(VIEWS)}")
    ap.add_argument("--size", type=int, default=320, help="panel size in pixels")
    ap.add_argument("--side", default="right", choices=("right", "left"))
    ap.add_argument("--no-forearm", action="store_true", help="drop the forearm part")
    ap.add_argument("--parts", action="store_true", help="colour by part label")
    ap.add_argument("--frame-all", action="store_true", help="fit the whole mesh, forearm included")
    ap.add_argument("--betas", default=None, help="comma-separated shape values")
    ap.add_argument("--out", default="hand.png")
    a = ap.parse_args(argv)
    from PIL import Image

    from handraster.models.loaders import load_model
    model = load_model(a.model, side=a.side, flat_hand_mean=True)
    if a.no_forearm:
        model = model.without_forearm()
    betas = None if a.betas is None else [float(x) for x in a.betas.split(",")]
    img = render_grid(model, a.pose.split(","), a.views.split(","), a.size, a.parts, betas,
                      frame_hand=not a.frame_all)
    Image.fromarray(img).save(a.out)
    print(a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
