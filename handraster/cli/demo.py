"""`handraster demo` (what `make demo` runs): a small dataset with the built-in defaults and
its contact sheet, to see that everything works and what the data looks like."""
from __future__ import annotations

import argparse
import sys


def register(sub) -> None:
    p = sub.add_parser("demo", help="generate a small dataset with the defaults and its preview sheet")
    p.add_argument("--out", "-o", default="demo_out", help="output folder (default demo_out)")
    p.add_argument("--num", "-n", type=int, default=64, help="number of samples (default 64)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--renderer", choices=["auto", "real", "fake"], default="auto",
                   help="'auto' uses the real renderer when it is available")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from handraster.config import load_config
    from handraster.data.preview import preview
    from handraster.generate import GenerateError, generate
    cfg = load_config(overrides=[f"renderer={args.renderer}", "output.shard_size=32"])
    try:
        res = generate(cfg, args.num, args.out, seed=args.seed, progress=True, progress_interval=2.0)
    except GenerateError as e:
        print(f"handraster demo: {e}", file=sys.stderr)
        return 1
    sheet = Path(args.out) / "preview.png"
    preview(args.out, sheet, n=min(args.num, 64))
    note = "" if res.renderer == "real" else " (stand-in renderer: the scene renderer is not installed yet)"
    print(f"demo: {args.num} samples in {Path(args.out).resolve()} ({cfg.output.format} shards, "
          f"renderer {res.renderer}{note})\n      contact sheet: {sheet.resolve()}\n"
          f"      read them back with: python -c \"import handraster.data as d; print(len(d.open('{args.out}')))\"")
    return 0
