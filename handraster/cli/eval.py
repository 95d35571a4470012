"""`handraster eval --pred P --gt G`: the metric table for a prediction file."""
from __future__ import annotations

import json
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eval", help="evaluate 3D hand predictions (MPJPE, PA-MPJPE, AUC, F-scores)",
        description="Evaluate predicted 3D joints (and meshes) against ground truth, with "
                    "FreiHAND's definitions. Files: .npz (keys joints3d/joints/xyz, "
                    "vertices/verts), .json (FreiHAND pred format [xyz, verts] or a list of "
                    "21x3), or a FreiHAND folder with <set>_xyz.json and <set>_verts.json. "
                    "Coordinates in metres; errors are printed in millimetres.")
    p.add_argument("--pred", required=True, help="prediction file")
    p.add_argument("--gt", required=True, help="ground-truth file or FreiHAND folder")
    p.add_argument("--no-reflection", action="store_true",
                   help="HaMeR's Procrustes (proper rotations only) instead of FreiHAND's")
    p.add_argument("--order", choices=("openpose", "internal"), default="openpose",
                   help="joint order of both files (picks the STA-MPJPE bone); default openpose")
    p.add_argument("--json", metavar="OUT", help="also write means and per-sample values to OUT")
    p.set_defaults(func=run)


def run(args) -> int:
    from handraster.analysis.evaluation import evaluate, load_points
    try:
        pj, pv = load_points(args.pred)
        gj, gv = load_points(args.gt)
        if pj.shape != gj.shape:
            raise ValueError(f"prediction joints {pj.shape} and ground truth {gj.shape} differ")
        mcp = 9 if args.order == "openpose" else 4
        res = evaluate(pj, gj, pv, gv, allow_reflection=not args.no_reflection, root=0, middle_mcp=mcp)
    except ValueError as e:
        print(f"handraster eval: {e}", file=sys.stderr)
        return 2
    print(res.table())
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"n": res.n, "mean": res.mean,
                       "per_sample": {k: v.tolist() for k, v in res.per_sample.items()}}, f, indent=1)
    return 0
