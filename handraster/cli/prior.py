"""`handraster prior train | refine | sample`: the VAE occlusion prior from the command line."""
from __future__ import annotations

import sys

import numpy as np


def register(subparsers) -> None:
    p = subparsers.add_parser("prior", help="train / apply the VAE occlusion prior",
                              description="The gap paper's VAE prior on 21 3D joints (metres).")
    sub = p.add_subparsers(dest="prior_command", metavar="ACTION")
    t = sub.add_parser("train", help="train a prior on joint sets or MANO pose files")
    t.add_argument("--poses", nargs="+", required=True,
                   help="joint files (.npz with joints3d/joints/xyz, .json list of 21x3 such as FreiHAND "
                        "training_xyz.json) or pose files (FreiHAND training_mano.json, MANO/HaMeR .npz, "
                        "GraspXL .npy), posed with --model")
    t.add_argument("--out", required=True, help="output prior file (.pt)")
    t.add_argument("--model", default="default", help="hand model for pose files (default: the built-in hand)")
    t.add_argument("--order", choices=("internal", "openpose"), default="internal",
                   help="joint order of the training joints, recorded in the prior file: joints computed "
                        "from pose files are put in it; joint files are used as given and must be in it "
                        "(FreiHAND training_xyz.json: openpose)")
    t.add_argument("--mean-relative", choices=("yes", "no"), help="for npz pose files that do not say")
    t.add_argument("--epochs", type=int, default=100)
    t.add_argument("--batch", type=int, default=128)
    t.add_argument("--lr", type=float, default=1e-4)
    t.add_argument("--latent", type=int, default=64, help="latent size z (the authors' code used 32)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=run_train)
    r = sub.add_parser("refine", help="fill in invisible joints")
    r.add_argument("--prior", required=True)
    r.add_argument("--input", required=True,
                   help=".npz with joints [B,21,3] (joints3d/joints) and visible [B,21] (visible/visibility), "
                        "optional right [B]")
    r.add_argument("--out", required=True, help="output .npz (joints, visible)")
    r.set_defaults(func=run_refine)
    s = sub.add_parser("sample", help="generate joint sets from the prior")
    s.add_argument("--prior", required=True)
    s.add_argument("-n", type=int, default=100)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", required=True, help="output .npz (joints [n,21,3], metres, wrist at 0)")
    s.set_defaults(func=run_sample)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


def load_training_joints(paths, model_name="default", order="internal", mean_relative=None) -> np.ndarray:
    """Joint sets [N, 21, 3] metres from joint files and/or pose files (see --poses)."""
    from handraster.analysis.evaluation import load_points
    out = []
    model = None
    for path in paths:
        try:
            joints, _ = load_points(path)
            if joints.ndim == 3 and joints.shape[1:] == (21, 3):
                out.append(joints)
                continue
        except ValueError:
            pass
        from handraster.poses.sources import read_poses
        ps = read_poses(path, mean_relative=mean_relative)
        if model is None:
            from handraster.models import load_model
            model = load_model(model_name, flat_hand_mean=not ps.mean_relative)
        args = ps.for_model(model)
        args.pop("transl", None)
        J = np.asarray(model.forward(**args).joints, np.float64)
        if order == "openpose":
            from handraster.models.joints import to_openpose
            J = J[:, to_openpose()]
        out.append(J)
    return np.concatenate(out).astype(np.float64)


def run_train(args) -> int:
    from handraster.prior.vae import OcclusionPrior
    mr = None if args.mean_relative is None else args.mean_relative == "yes"
    try:
        joints = load_training_joints(args.poses, args.model, args.order, mr)
    except (ValueError, OSError) as e:
        print(f"handraster prior train: {e}", file=sys.stderr)
        return 2
    prior = OcclusionPrior(latent_dim=args.latent, seed=args.seed, joint_order=args.order)
    losses = prior.fit(joints, epochs=args.epochs, batch_size=args.batch, lr=args.lr, seed=args.seed,
                       progress=not args.quiet)
    prior.save(args.out)
    print(f"trained on {len(joints)} joint sets, final loss {losses[-1]:.4f}; wrote {args.out}")
    return 0


def run_refine(args) -> int:
    from handraster.prior.vae import OcclusionPrior
    prior = OcclusionPrior.load(args.prior)
    with np.load(args.input) as z:
        d = {k: z[k] for k in z.files}
    j = next((d[k] for k in ("joints3d", "joints", "joints_3d", "xyz") if k in d), None)
    v = next((d[k] for k in ("visible", "visibility", "vis") if k in d), None)
    if j is None or v is None:
        print(f"handraster prior refine: {args.input} needs joints and visible arrays (found {sorted(d)})",
              file=sys.stderr)
        return 2
    right = d.get("right", True)
    refined = prior.refine(j, v.astype(bool), right=np.asarray(right, bool))
    np.savez(args.out, joints=refined.astype(np.float32), visible=v.astype(bool))
    print(f"refined {int((~v.astype(bool)).sum())} invisible joints in {len(j)} samples; wrote {args.out}")
    return 0


def run_sample(args) -> int:
    from handraster.prior.vae import OcclusionPrior
    prior = OcclusionPrior.load(args.prior)
    np.savez(args.out, joints=prior.sample(args.n, seed=args.seed))
    print(f"wrote {args.n} samples to {args.out}")
    return 0
