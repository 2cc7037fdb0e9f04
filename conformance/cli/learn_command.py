"""The `conformance learn` command: recordings in, the contract they show out, as a profile file."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

__all__ = ["add_learn_parser", "learn_main"]

from ..errors import EXIT_USAGE


def add_learn_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "learn", help="write the contract one or more recordings show as a profile (TOML)",
        description="Read one or more recordings (`conformance record` wrote them) of one server, or of several "
                    "servers of one API version, and write the contract they show in the profile format: the "
                    "resource types and the Rels each carries (required where every resource of the type carried "
                    "it, optional otherwise), the URL templates per type ([resources]), the operation links and "
                    "their URL forms ([operations]), the Types whose Href returned another root ([types.roots]), "
                    "the UID forms ([uids]), and the API version. Every fact says how many resources showed it "
                    "(comments, and the [learned] tables, which also hold the element children each root showed "
                    "and an example URL of each fact). `conformance run --profile PROFILE.toml` judges a server "
                    "against it; `conformance diff --profiles v1_7 PROFILE.toml` lists where it departs from the "
                    "documentation.",
        epilog="exit codes: 0 written, 4 a folder that is not a recording, recordings of different API versions, "
               "or a file that cannot be written. An incomplete recording is learned from, with a warning.")
    p.add_argument("recordings", nargs="+", metavar="RECORDING", help="a recording folder (repeatable)")
    p.add_argument("--out", required=True, metavar="PROFILE.toml", help="the profile file to write")
    p.add_argument("--schemas", metavar="NAME_OR_PATH",
                   help="the schemas the profile names (default: those of the shipped profile of the same API "
                        "version)")


def learn_main(ns: argparse.Namespace) -> int:
    from ..recording.learn import LearnError, learn, learned_toml

    started = time.monotonic()
    try:
        learned = learn(ns.recordings)
    except LearnError as exc:
        print(f"conformance learn: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for warning in learned.warnings:
        print(f"conformance learn: warning: {warning}", file=sys.stderr)
    text = learned_toml(learned, ns.schemas)
    out = Path(ns.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"conformance learn: error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    templates = len(learned.resources_at)
    print(f"conformance learn: {learned.resources} resources of {len(learned.kinds)} types "
          f"({templates} item URL templates, {len(learned.typed_rels) + len(learned.operation_rels)} typed or "
          f"operation Rels) from {len(learned.recordings)} recording(s) of API {learned.api_version} written to "
          f"{out} in {time.monotonic() - started:.1f} s")
    return 0
