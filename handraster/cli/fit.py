"""`handraster fit`: fit a MANO-format model to meshes or joints (e.g. NIMBLE -> MANO)."""
from __future__ import annotations

import sys

import numpy as np


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "fit", help="fit a MANO-format model to meshes / joints (two-stage, batched)",
        description="Fit a hand model to source meshes and/or joints (metres) with the gap paper's "
                    "two-stage schedule (coarse rigid, then pose + shape), and print per-sample residuals.")
    p.add_argument("--source", required=True,
                   help=".npz with vertices [B,V,3] (vertices/verts) and/or joints [B,J,3] (joints/joints3d), "
                        "optional faces [F,3]")
    p.add_argument("--model", default="default", help="target model: a MANO file/folder or 'default'")
    p.add_argument("--nimble", help="use this NIMBLE_DICT_*.pkl's skin as the target model instead")
    p.add_argument("--correspondence", default="nearest",
                   help="'same' (same topology), 'nearest' (chamfer), or an .npy index array [V_model] / "
                        "matrix [V_model, V_source]")
    p.add_argument("--out", required=True, help="output .npz: hand_pose, betas, global_orient, transl, "
                                                  "vertices, joints, residual_mm")
    p.add_argument("--coarse-iters", type=int, default=3000)
    p.add_argument("--fine-iters", type=int, default=3000)
    p.add_argument("--coarse-epochs", type=int, default=2)
    p.add_argument("--fine-epochs", type=int, default=4)
    p.add_argument("--decay-every", type=int, default=1000)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args) -> int:
    from handraster.analysis.fitting import fit_model
    try:
        with np.load(args.source) as z:
            d = {k: z[k] for k in z.files}
        verts = next((d[k] for k in ("vertices", "verts") if k in d), None)
        joints = next((d[k] for k in ("joints", "joints3d", "joints_3d") if k in d), None)
        if verts is None and joints is None:
            raise ValueError(f"{args.source}: no vertices or joints (found {sorted(d)})")
        if args.nimble:
            from handraster.analysis.nimble import load_nimble
            model = load_nimble(args.nimble)
        else:
            from handraster.models import load_model
            model = load_model(args.model)
        corr = args.correspondence
        if corr == "nearest":
            corr = None
        elif corr != "same":
            corr = np.load(corr)
        res = fit_model(verts, model, source_joints=joints, source_faces=d.get("faces"), correspondence=corr,
                        coarse_epochs=args.coarse_epochs, coarse_iters=args.coarse_iters,
                        fine_epochs=args.fine_epochs, fine_iters=args.fine_iters, decay_every=args.decay_every,
                        progress=not args.quiet)
    except (ValueError, OSError) as e:
        print(f"handraster fit: {e}", file=sys.stderr)
        return 2
    out = dict(hand_pose=res.hand_pose, betas=res.betas, global_orient=res.global_orient, transl=res.transl,
               vertices=res.vertices, joints=res.joints)
    if res.residual_mm is not None:
        out["residual_mm"] = res.residual_mm
    if res.joint_residual_mm is not None:
        out["joint_residual_mm"] = res.joint_residual_mm
    np.savez(args.out, **out)
    print(res.report())
    print(f"wrote {args.out}")
    return 0
