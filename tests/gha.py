"""A stand-in for GitHub Actions' runner: enough of it to run the scaffolded workflow here, job by job.

What it keeps of GitHub's semantics (docs.github.com: "Workflow syntax for GitHub Actions",
"Caching dependencies to speed up workflows", "Storing and sharing data from a workflow",
"Re-running workflows and jobs"):
- jobs run in the order of `needs`, each on a fresh copy of the repository; a job's `if:` decides
  (default: every needed job succeeded); a step's `if:` likewise (default: no step failed so far);
- `run:` steps under `bash --noprofile --norc -eo pipefail`, with GITHUB_OUTPUT and GITHUB_STEP_SUMMARY;
- the cache: a saved key is immutable (saving to an existing key is refused with a warning, as
  actions/cache does), a restore takes the exact key, else the newest entry whose key starts with a
  restore key; `!` lines of `path` are left out;
- artifacts belong to a run and survive its re-runs; the Pages artifact is published by deploy-pages;
- "re-run failed jobs": the same run id, the next attempt, the jobs that succeeded keep their outputs.
The actions themselves (checkout, setup-python) are replaced by what they leave: the repository's files,
and the Python on PATH. A `hooks` callback may act around a step (stop a server, kill the step).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass
class CacheStore:
    """GitHub's cache: immutable entries by key, the newest match by prefix on restore."""

    root: Path
    entries: dict[str, int] = field(default_factory=dict)  # key -> creation order
    refused: list[str] = field(default_factory=list)

    def save(self, key: str, workspace: Path, paths: list[str]) -> None:
        if key in self.entries:
            self.refused.append(key)  # "Failed to save: Unable to reserve cache with key ..., another job may be ..."
            return
        entry = self.root / f"{len(self.entries):04d}"
        keep = [p for p in paths if not p.startswith("!")]
        skip = [workspace / p[1:] for p in paths if p.startswith("!")]
        for rel in keep:
            source = workspace / rel
            if source.is_dir():
                shutil.copytree(source, entry / rel, dirs_exist_ok=True,
                                ignore=lambda d, names: [n for n in names if Path(d, n) in skip])
        entry.mkdir(parents=True, exist_ok=True)
        self.entries[key] = len(self.entries)

    def restore(self, key: str, prefixes: list[str], workspace: Path) -> str | None:
        hit = key if key in self.entries else None
        if hit is None:
            for prefix in prefixes:
                found = sorted((order, k) for k, order in self.entries.items() if k.startswith(prefix))
                if found:
                    hit = found[-1][1]
                    break
        if hit is not None:
            shutil.copytree(self.root / f"{self.entries[hit]:04d}", workspace, dirs_exist_ok=True)
        return hit


@dataclass
class Run:
    run_id: int
    event: str
    inputs: dict[str, str]
    attempt: int = 1
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {"result", "outputs"}
    artifacts: dict[str, Path] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)


FAKETIME_LIB = next(iter(sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))), "libfaketime.so.1")

def clear_stale_faketime(shm: Path = Path("/dev/shm")) -> None:
    for path in shm.glob("*faketime_s[eh][m]_*"):
        pid = path.name.rsplit("_", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            path.unlink(missing_ok=True)


Hook = Callable[[str, str, str, "subprocess.Popen[str] | None"], None]  # (job, step, "before"|"during", process)


class Runner:
    def __init__(self, repo: Path, work: Path, env: dict[str, str], secrets: dict[str, str],
                 variables: dict[str, str] | None = None, clock: str | None = None,
                 skip: tuple[str, ...] = ()) -> None:
        self.repo, self.work, self.env = repo, work, env
        self.skip = skip  # steps left out, by the start of their name
        self.secrets, self.vars = secrets, variables or {}
        self.cache = CacheStore(work / "cache")
        self.pages: Path | None = None
        self.published = work / "published"
        self.clock = clock  # libfaketime's start, e.g. "2025-12-09 01:23:00"
        self.runs = 0
        self.summaries: list[str] = []
        self.annotations: list[str] = []
        self.failures: list[str] = []  # "clock job: step: what it printed", for a test's messages

    def workflow(self) -> dict[str, Any]:
        return yaml.safe_load((self.repo / ".github" / "workflows" / "nightly.yml").read_text())  # type: ignore

    def run(self, event: str = "schedule", inputs: dict[str, str] | None = None, hooks: Hook | None = None,
            rerun_of: Run | None = None) -> Run:
        if rerun_of is None:
            self.runs += 1
            run = Run(run_id=1000 + self.runs, event=event, inputs=inputs or {})
        flow = self.workflow()
        if rerun_of is not None:  # the failed jobs and every job that needs one of them run again
            again = {k for k, v in rerun_of.jobs.items() if v["result"] == "failure"}
            for name, job in flow["jobs"].items():
                needs = job.get("needs", [])
                if set([needs] if isinstance(needs, str) else needs) & again:
                    again.add(name)
            run = Run(run_id=rerun_of.run_id, event=rerun_of.event, inputs=rerun_of.inputs,
                      attempt=rerun_of.attempt + 1, artifacts=dict(rerun_of.artifacts),
                      jobs={k: v for k, v in rerun_of.jobs.items() if k not in again})
        for name, job in flow["jobs"].items():  # written in the order of their needs
            if name in run.jobs:
                continue
            run.jobs[name] = self._job(run, flow, name, job, hooks)
        return run

    # -- expressions ------------------------------------------------------------------------------------
    def evaluate(self, text: str, ctx: dict[str, Any]) -> Any:
        def value(path: str) -> Any:
            node: Any = ctx
            for part in path.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            return node

        def python(expr: str) -> str:
            out, pos = [], 0
            for m in re.finditer(r"'[^']*'|&&|\|\||!(?!=)|[A-Za-z_][\w-]*(?:\.[\w-]+)*(?:\(\))?", expr):
                out.append(expr[pos:m.start()])
                token = m.group(0)
                if token.startswith("'"):
                    out.append(repr(token[1:-1]))
                elif token in ("&&", "||", "!"):
                    out.append({"&&": " and ", "||": " or ", "!": " not "}[token])
                elif token.endswith("()"):
                    out.append(repr({"always()": True, "cancelled()": False, "success()": not ctx["_failed"],
                                     "failure()": ctx["_failed"]}[token]))
                elif token in ("true", "false"):
                    out.append(token.title())
                else:
                    out.append(f"_value({token!r})")
                pos = m.end()
            return "".join(out) + expr[pos:]

        def one(expr: str) -> Any:
            return eval(python(expr.strip()), {"_value": value})  # noqa: S307 - the test's own workflow

        inner = re.fullmatch(r"\s*\$\{\{(.*)\}\}\s*", text, re.S)
        if inner:
            return one(inner.group(1))
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(one(m.group(1)) or ""), text)

    def context(self, run: Run, steps: dict[str, Any], failed: bool) -> dict[str, Any]:
        github = {"token": "ghs_TEST-token-0123456789", "run_id": str(run.run_id), "run_attempt": str(run.attempt),
                  "event_name": run.event, "repository": "reader/digest",
                  "workflow_ref": "reader/digest/.github/workflows/nightly.yml@refs/heads/main"}
        return {"github": github, "secrets": self.secrets, "vars": self.vars, "inputs": run.inputs,
                "steps": steps, "needs": run.jobs, "_failed": failed}

    # -- jobs and steps ---------------------------------------------------------------------------------
    def _job(self, run: Run, flow: dict[str, Any], name: str, job: dict[str, Any], hooks: Hook | None
             ) -> dict[str, Any]:
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        ctx = self.context(run, {}, False)
        ctx["needs"] = {n: run.jobs.get(n, {"result": "skipped", "outputs": {}}) for n in needs}
        condition = job.get("if")
        go = self.evaluate(str(condition), ctx) if condition else all(
            ctx["needs"][n]["result"] == "success" for n in needs)
        if not go:
            run.log.append(f"{name}: skipped")
            return {"result": "skipped", "outputs": {}}
        workspace = self.work / f"run{run.run_id}-{run.attempt}" / name
        shutil.rmtree(workspace, ignore_errors=True)
        shutil.copytree(self.repo, workspace, ignore=shutil.ignore_patterns(".git"))
        steps: dict[str, Any] = {}
        failed = False
        for index, step in enumerate(job["steps"]):
            ctx = self.context(run, steps, failed)
            ctx["needs"] = {n: run.jobs.get(n, {"result": "skipped", "outputs": {}}) for n in needs}
            cond = step.get("if")
            if not (self.evaluate(f"${{{{ {cond} }}}}", ctx) if cond else not failed):
                continue
            label = step.get("name") or step.get("uses") or f"step {index}"
            if label.startswith(self.skip) and self.skip:
                run.log.append(f"{name}: {label}: left out here")
                continue
            outputs, ok = self._step(run, flow, job, step, label, name, workspace, ctx, hooks)
            if step.get("id"):
                steps[step["id"]] = {"outputs": outputs, "outcome": "success" if ok else "failure"}
            if not ok:
                failed = True
                run.log.append(f"{name}: {label}: failed")
        ctx = self.context(run, steps, failed)
        outputs = {k: self.evaluate(str(v), ctx) for k, v in (job.get("outputs") or {}).items()}
        return {"result": "failure" if failed else "success", "outputs": outputs}

    def _step(self, run: Run, flow: dict[str, Any], job: dict[str, Any], step: dict[str, Any], label: str,
              job_name: str, workspace: Path, ctx: dict[str, Any], hooks: Hook | None) -> tuple[dict[str, str], bool]:
        if hooks:
            hooks(job_name, label, "before", None)
        if "uses" in step:
            return self._action(run, step, workspace, ctx)
        env = dict(self.env)
        for scope in (flow.get("env") or {}, job.get("env") or {}, step.get("env") or {}):
            env.update({k: str(self.evaluate(str(v), ctx) or "") for k, v in scope.items()})
        output, summary = workspace / ".github_output", workspace / ".github_summary"
        output.write_text("")
        env |= {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(workspace),
                "GITHUB_REPOSITORY": "reader/digest", "HOME": str(self.work / "home")}
        script = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]]
        if self.clock:
            # libfaketime preloaded: a process and its children start at the clock. They share that start
            # through a semaphore and a shared-memory segment named by the first process's pid, which a
            # SIGKILLed step leaves behind; a later process given the same pid then cannot start (seen with the
            # `faketime` wrapper: "sem_open failed"), so what no living process owns is removed first.
            env |= {"LD_PRELOAD": FAKETIME_LIB, "FAKETIME": f"@{self.clock}", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
            clear_stale_faketime()
        began = time.monotonic()
        proc = subprocess.Popen(script, cwd=workspace, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        if hooks:
            threading.Thread(target=hooks, args=(job_name, label, "during", proc), daemon=True).start()
        try:
            printed, _ = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            printed, _ = proc.communicate()
        run.log.append(f"{job_name}: {label}: exit {proc.returncode} in {time.monotonic() - began:.1f} s\n{printed}")
        self.annotations += [line for line in printed.splitlines() if line.startswith("::")]
        if summary.exists():
            self.summaries.append(summary.read_text())
            summary.unlink()
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        if proc.returncode != 0:
            self.failures.append(f"{self.clock} {job_name}: {label}: exit {proc.returncode}: {printed[-800:]}")
        return outputs, proc.returncode == 0

    def _action(self, run: Run, step: dict[str, Any], workspace: Path, ctx: dict[str, Any]
                ) -> tuple[dict[str, str], bool]:
        uses = step["uses"].split("@")[0]
        given = {k: str(self.evaluate(str(v), ctx)) for k, v in (step.get("with") or {}).items()}
        paths = [line.strip() for line in given.get("path", "").splitlines() if line.strip()]
        if uses in ("actions/checkout", "actions/setup-python"):
            return {}, True  # the repository is already the job's folder; Python is on PATH
        if uses == "actions/cache/restore":
            hit = self.cache.restore(given["key"], given.get("restore-keys", "").split(), workspace)
            return {"cache-hit": str(hit == given["key"]).lower()}, True
        if uses == "actions/cache/save":
            self.cache.save(given["key"], workspace, paths)
            return {}, True
        if uses == "actions/upload-artifact":
            stored = self.work / "artifacts" / f"{run.run_id}-{given['name']}"
            if stored.exists():  # an artifact's name is taken once per run
                return {}, False
            shutil.copytree(workspace / paths[0], stored)
            run.artifacts[given["name"]] = stored
            return {}, True
        if uses == "actions/download-artifact":
            if given["name"] not in run.artifacts:
                return {}, False
            shutil.copytree(run.artifacts[given["name"]], workspace / given["path"], dirs_exist_ok=True)
            return {}, True
        if uses == "actions/upload-pages-artifact":
            self.pages = self.work / "pages" / f"{run.run_id}-{run.attempt}"
            shutil.rmtree(self.pages, ignore_errors=True)
            shutil.copytree(workspace / paths[0], self.pages)
            return {}, True
        if uses == "actions/deploy-pages":
            if self.pages is None:
                return {}, False
            shutil.rmtree(self.published, ignore_errors=True)
            shutil.copytree(self.pages, self.published)
            return {"page_url": "https://reader.github.io/digest/"}, True
        raise AssertionError(f"no stand-in for {uses}")
