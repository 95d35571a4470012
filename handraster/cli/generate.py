"""`handraster generate`: write a dataset (see handraster.generate.runner)."""
from __future__ import annotations

import argparse
import sys


def register(sub) -> None:
    p = sub.add_parser(
        "generate", help="generate a dataset (resumable, sharded, multi-process or Ray)",
        description="Generate NUM samples into OUT. Sample i is a pure function of (config, seed, i): "
                    "re-running the same command resumes (complete shards are skipped, partial ones "
                    "redone), and --shard i/n runs can go anywhere in any order.")
    p.add_argument("--config", "-c", help="config YAML (default: built-in defaults; see `handraster config`)")
    p.add_argument("--preset", help="start from a preset (default, anyhand-like, synfrei-like, ablation-...)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. --set camera.views=2 (repeatable)")
    p.add_argument("--num", "-n", type=int, required=True, help="number of samples")
    p.add_argument("--out", "-o", required=True, help="output folder")
    p.add_argument("--seed", type=int, help="global seed (default: the config's)")
    p.add_argument("--shard", metavar="I/N", help="make only part I of N (shards with index %% N == I)")
    p.add_argument("--workers", "-w", type=int, default=1, help="worker processes on this machine")
    p.add_argument("--device", choices=["cpu", "cuda"], help="renderer device (default: the config's)")
    p.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                   help="fan shards out over Ray: no ADDRESS = a local instance, 'auto' = this "
                        "machine's cluster, or host:port / ray://host:10001 (OUT must be shared)")
    p.add_argument("--verify", action="store_true", help="re-hash complete shards before skipping them")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.add_argument("--log-interval", type=float, default=10.0,
                   help="seconds between progress lines when stderr is not a terminal")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from handraster.config import ConfigError, load_config
    from handraster.generate import GenerateError, GenerateInterrupted, generate
    from handraster.generate.plan import parse_part
    try:
        part = parse_part(args.shard)
        if args.num < 0:
            raise ValueError(f"--num must be >= 0, got {args.num}")
        if args.workers < 1:
            raise ValueError(f"--workers must be >= 1, got {args.workers}")
        cfg = load_config(args.config, preset=args.preset, overrides=args.overrides)
        res = generate(cfg, args.num, args.out, seed=args.seed, part=part, workers=args.workers,
                       use_ray=args.ray is not None, ray=args.ray, device=args.device,
                       progress=not args.quiet, progress_interval=args.log_interval, verify=args.verify)
    except ConfigError as e:
        print(f"handraster generate: invalid config:\n{e}", file=sys.stderr)
        return 2
    except ValueError as e:
        print(f"handraster generate: {e}", file=sys.stderr)
        return 2
    except GenerateInterrupted as e:
        print(f"handraster generate: {e}", file=sys.stderr)
        return 130
    except GenerateError as e:
        print(f"handraster generate: {e}", file=sys.stderr)
        return 1
    state = "complete" if res.complete else "incomplete (other --shard parts still to run)"
    if not args.quiet:
        t = res.timings
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in t.items())
        print(f"{res.out_dir}: wrote {res.shards_written} shard(s), {res.samples_written} samples in "
              f"{res.seconds:.1f}s ({res.samples_per_second:.1f} samples/s; {stages}); skipped "
              f"{res.shards_skipped} complete shard(s); renderer {res.renderer}; dataset {state}.")
    return 0
