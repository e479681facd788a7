"""`init`: a ready-to-fork nightly deployment (GitHub Actions and Pages), or a systemd timer."""

from __future__ import annotations

import argparse
from pathlib import Path

from summarizer.face.runner import info


def cmd_init(args: argparse.Namespace) -> int:
    from summarizer.jobs.scaffold import write_scaffold

    result = write_scaffold(Path(args.directory), systemd=args.systemd)
    for name in result.written:
        info(args, f"wrote {result.folder / name}")
    for name in result.existing:
        info(args, f"exists, left as it is: {result.folder / name}")
    if result.written and not args.systemd:
        info(args, "next: push it to GitHub, add the secret OPENAI_API_KEY, set Pages' source to GitHub Actions "
                   "(README.md, 'Deploy')")
    elif result.written:
        info(args, "next: put OPENAI_API_KEY=... in summarizer.env, then install the timer (the service file says "
                   "how)")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    ini = sub.add_parser("init", parents=[common], help="scaffold a nightly deployment (GitHub Actions, or systemd)",
                         description="Write a repository that runs the nightly on GitHub Actions every night after "
                         "arXiv's announcement and publishes the site on GitHub Pages: "
                         ".github/workflows/nightly.yml (every action pinned to a commit SHA, least-privilege "
                         "permissions, no overlapping runs, the cache restored and saved, the records committed "
                         "to a data branch, delivery after the deploy), a commented config.toml and a README "
                         "with the steps. With --systemd: a user service and timer for a machine of one's own. "
                         "A file that exists is never overwritten.")
    ini.add_argument("directory", metavar="DIR", nargs="?", default=".", help="where to write (default: here)")
    ini.add_argument("--systemd", action="store_true", help="a systemd user service and timer instead")
    ini.set_defaults(func=cmd_init)
