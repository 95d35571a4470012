"""`handraster config`: print the default config (with comments), a preset, or check a file."""
from __future__ import annotations

import argparse
import sys


def register(sub) -> None:
    p = sub.add_parser("config", help="print the default config, a preset, or check a config file",
                       description="Without options: --print-default.")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--print-default", action="store_true", help="write the full default config as commented YAML")
    g.add_argument("--preset", help="write a preset's full config as commented YAML")
    g.add_argument("--check", metavar="FILE", help="validate FILE (and the paths it names)")
    g.add_argument("--list-presets", action="store_true", help="list the presets")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a key before printing/checking (repeatable)")
    p.add_argument("--out", "-o", help="write to this file instead of stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from handraster.config import ConfigError, PRESETS, check_paths, dump_yaml, load_config
    try:
        if args.list_presets:
            print("\n".join(PRESETS))
            return 0
        if args.check:
            cfg = load_config(args.check, overrides=args.overrides)
            check_paths(cfg)
            print(f"{args.check}: OK (config hash {cfg.content_hash()[:12]})")
            return 0
        cfg = load_config(preset=args.preset, overrides=args.overrides)
    except ConfigError as e:
        print(f"handraster config: invalid config:\n{e}", file=sys.stderr)
        return 2
    text = dump_yaml(cfg)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0
