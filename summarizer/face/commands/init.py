"""`init`: a ready-to-fork nightly deployment (GitHub Actions and Pages), or a systemd timer."""

from __future__ import annotations

import argparse
from pathlib import Path

from summarizer.face.runner import info


def cmd_init(args: argparse.Namespace) -> int:
    from summarizer.jobs.deploy.scaffold import write_scaffold

    wheel = Path(args.wheel) if args.wheel else None
    result = write_scaffold(Path(args.directory), systemd=args.systemd, upgrade=args.upgrade, wheel=wheel)
    for name in result.written:
        info(args, f"wrote {result.folder / name}")
    for name in result.existing:
        info(args, f"exists, left as it is: {result.folder / name}")
    if result.source is not None and result.written:
        info(args, f"the workflow installs {result.source.spec} ({result.source.kind})")
    if result.written and not args.systemd and not args.upgrade:
        info(args, "next: push it to GitHub, add the secret OPENAI_API_KEY, set Pages' source to GitHub Actions "
                   "(README.md, 'Deploy')")
    elif result.written and args.systemd:
        info(args, "next: put OPENAI_API_KEY=... in summarizer.env (chmod 600), install the timer (the service file "
                   "says how), and run `loginctl enable-linger \"$USER\"` so it fires while you are logged out")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    ini = sub.add_parser("init", parents=[common], help="scaffold a nightly deployment (GitHub Actions, or systemd)",
                         description="Write a repository that runs the nightly on GitHub Actions every night after "
                         "arXiv's announcement and publishes the site on GitHub Pages: "
                         ".github/workflows/nightly.yml (every action pinned to a commit SHA, least-privilege jobs, "
                         "no token that can push where the index's packages run, records committed to a data "
                         "branch, delivery after the deploy), a commented config.toml, requirements.lock (the "
                         "dependencies, hash-locked) and a README with the steps. The workflow installs exactly "
                         "this version: from the package index, from its git repository at its commit, or from a "
                         "wheel written into vendor/ (an editable or local install). Its folders follow the "
                         "config.toml kept there. With --systemd: a user service and timer for a machine of one's "
                         "own. A file that exists is never overwritten, except the tool's own with --upgrade.")
    ini.add_argument("directory", metavar="DIR", nargs="?", default=".", help="where to write (default: here)")
    ini.add_argument("--systemd", action="store_true", help="a systemd user service and timer instead")
    ini.add_argument("--upgrade", action="store_true", help="rewrite the workflow, requirements.lock and vendor/ "
                     "(with --systemd: the service and the timer) for the running version; config.toml and "
                     "README.md are kept")
    ini.add_argument("--wheel", metavar="FILE", help="the wheel of this version to vendor, instead of building one "
                     "(an editable or local install)")
    ini.set_defaults(func=cmd_init)
