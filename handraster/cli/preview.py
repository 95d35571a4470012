"""`handraster preview DIR --out sheet.png`: a contact sheet of a generated dataset."""
from __future__ import annotations

import argparse
import sys


def register(sub) -> None:
    p = sub.add_parser("preview", help="contact sheet: RGB, skeleton, part mask and depth per sample")
    p.add_argument("dir", help="dataset folder (written by `handraster generate`)")
    p.add_argument("--out", "-o", default="preview.png", help="image to write (default preview.png)")
    p.add_argument("--n", type=int, default=64, help="number of samples (default 64)")
    p.add_argument("--tile", type=int, default=96, help="panel height in pixels (default 96)")
    p.add_argument("--random", action="store_true", help="random samples instead of evenly spread ones")
    p.add_argument("--seed", type=int, default=0, help="seed for --random")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from handraster.data.preview import preview
    if args.n < 1 or args.tile < 8:
        print("handraster preview: --n must be >= 1 and --tile >= 8", file=sys.stderr)
        return 2
    try:
        sheet = preview(args.dir, args.out, n=args.n, tile=args.tile, seed=args.seed, random=args.random)
    except (FileNotFoundError, ValueError) as e:
        print(f"handraster preview: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({sheet.width}x{sheet.height})")
    return 0
