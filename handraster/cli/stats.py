"""`handraster stats DIR`: print (and optionally plot) a dataset's distributions."""
from __future__ import annotations

import argparse
import sys


def register(sub) -> None:
    p = sub.add_parser("stats", help="distributions of a dataset: joint angles, camera distance, "
                                     "occlusion, skin tones, background use")
    p.add_argument("dir", help="dataset folder (written by `handraster generate`)")
    p.add_argument("--plot", metavar="PNG", help="also write histograms to this image")
    p.add_argument("--limit", type=int, help="only the first LIMIT samples")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from handraster.data.reader import open as open_dataset
    from handraster.data.stats import collect, plot, report
    try:
        ds = open_dataset(args.dir)
    except FileNotFoundError as e:
        print(f"handraster stats: {e}", file=sys.stderr)
        return 1
    st = collect(ds, args.limit)
    print(f"{args.dir} ({ds.format}, {len(ds)} samples in {len(ds.shards)} complete shards)")
    print(report(st))
    if args.plot:
        plot(st, args.plot)
        print(f"wrote {args.plot}")
    return 0
