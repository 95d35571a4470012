"""The `handraster` command. Each subcommand lives in its own module of this package and
exposes ``register(subparsers)``, which adds its parser and sets ``func``; a module that
fails to import (an optional dependency missing) leaves its subcommand out with a note."""
from __future__ import annotations

import argparse
import importlib
import sys

# Subcommand modules, in help order.
SUBCOMMANDS = ["demo", "generate", "config", "preview", "stats", "eval", "prior", "fit"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="handraster",
                                     description="Synthetic 3D hand pose datasets, fast.")
    from handraster import __version__
    parser.add_argument("--version", action="version", version=f"handraster {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            mod = importlib.import_module(f"handraster.cli.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"handraster.cli.{name}":
                continue  # not written yet
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("handraster: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
