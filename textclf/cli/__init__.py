"""Command line: `textclf train|explain|words|baseline|predict|label-issues|bench ...` (also `python -m textclf`)."""

from __future__ import annotations

import importlib
import json
import sys
import time
from typing import Sequence

from textclf.cli.common import CliError
from textclf.cli.parser import build_parser

# command -> (module, function), imported only once the arguments parse: --help and argument errors stay quick
COMMANDS = {"train": ("train", "cmd_train"), "explain": ("explain", "cmd_explain"), "words": ("explain", "cmd_words"),
            "baseline": ("reference", "cmd_baseline"), "bench": ("reference", "cmd_bench"),
            "predict": ("predict", "cmd_predict"), "label-issues": ("reference", "cmd_label_issues")}


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from textclf.learn.model import enable_compilation_cache

    enable_compilation_cache()
    try:
        started = time.perf_counter()
        module, function = COMMANDS[args.command]
        result = getattr(importlib.import_module(f"textclf.cli.{module}"), function)(args)
    except CliError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if args.json:
        result.setdefault("seconds", time.perf_counter() - started)
        print(json.dumps(result))
    return 0
