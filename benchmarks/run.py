"""Speed of the suite, measured: prints figures, asserts nothing (the machines are noisy).

For the default suite against the embedded reference target (serial, and under pytest-xdist), for schemathesis's
own CLI (`st run`) at the same example count on the same target, and for a plain `requests` loop (the client's
limit): wall time, requests the target received, and requests per second. Then a failing run against a passing
one, side by side: the suite against the plain reference target and with the fault ``put-not-persisted`` on (a
failing run must cost no more than FAILING_RATIO_BOUND times a passing one: no long shrinking in the ci profile).

    python benchmarks/run.py [--examples N] [--loop N] [--failing-only]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import requests

from webchat_contract import spec
from webchat_contract.config import load
from webchat_contract.plugin import CI_EXAMPLES
from webchat_contract.reference.server import EmbeddedTarget
from webchat_contract.reference.stats import STATS_PATH
from webchat_contract.target import Target

ROOT = Path(__file__).resolve().parents[1]
FAILING_FAULT = "put-not-persisted"
FAILING_RATIO_BOUND = 1.5
ROUNDS = 2


def received(base_url: str) -> int:
    return requests.get(base_url + STATS_PATH, timeout=10).json()["requests"]


def measure(label: str, base_url: str, action) -> dict:
    before, start = received(base_url), time.perf_counter()
    action()
    seconds, count = time.perf_counter() - start, received(base_url) - before
    row = {"what": label, "seconds": round(seconds, 2), "requests": count, "per_second": round(count / seconds, 1)}
    print(f"{label:<44} {seconds:8.2f} s {count:8d} requests {count / seconds:9.1f} req/s", flush=True)
    return row


def admin_token(config_path: Path) -> str:
    target = Target(load(config_path))
    return target.token_of(target.first_holding(*spec.permissions()))


def run(command: list[str], workdir: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    (workdir / f"{Path(command[0]).name}-{len(list(workdir.iterdir()))}.log").write_text(done.stdout + done.stderr)
    if done.returncode not in (0, 1):
        print(f"  ({' '.join(command[:4])}... exited {done.returncode}; log in {workdir})", file=sys.stderr)


def timed(command: list[str], workdir: Path) -> float:
    start = time.perf_counter()
    run(command, workdir)
    return time.perf_counter() - start


def failing_against_passing(workdir: Path) -> dict:
    """The suite against the embedded reference target, plain and with FAILING_FAULT on (each its own target)."""
    suite = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", f"--basetemp={workdir}/basetemp",
             f"--junitxml={workdir}/side/junit.xml", f"--html={workdir}/side/report.html"]  # fmt: skip
    # alternated, best of ROUNDS each: the machine's noise (and a cold start) weighs on neither side alone
    passing, failing = float("inf"), float("inf")
    for _ in range(ROUNDS):
        passing = min(passing, timed(suite, workdir))
        failing = min(failing, timed([*suite, f"--reference-fault={FAILING_FAULT}"], workdir))
    ratio = failing / passing
    verdict = "within" if ratio <= FAILING_RATIO_BOUND else "OVER"
    print(f"{'passing run (reference target)':<44} {passing:8.2f} s", flush=True)
    print(f"{'failing run (' + FAILING_FAULT + ')':<44} {failing:8.2f} s   ratio {ratio:.2f}x "
          f"({verdict} the {FAILING_RATIO_BOUND}x bound)", flush=True)  # fmt: skip
    return {"passing_seconds": round(passing, 2), "failing_seconds": round(failing, 2), "ratio": round(ratio, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=CI_EXAMPLES, help="examples per operation (default: ci)")
    parser.add_argument("--loop", type=int, default=2000, help="requests of the plain loop")
    parser.add_argument("--failing-only", action="store_true", help="only the failing-against-passing figures")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="webchat-bench-"))
    side_by_side = failing_against_passing(workdir)
    if args.failing_only:
        (workdir / "figures.json").write_text(json.dumps({"failing_against_passing": side_by_side}, indent=2))
        print(f"figures and logs: {workdir}")
        return 0
    rows = []
    with EmbeddedTarget(workdir / "target") as target:
        config = tomllib.loads(target.config_path.read_text())
        base = target.base_url
        suite = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", f"--target-config={target.config_path}",
                 f"--junitxml={workdir}/junit.xml", f"--html={workdir}/report.html"]  # fmt: skip
        rows.append(measure("suite (pytest, ci profile)", base, lambda: run(suite, workdir)))
        rows.append(measure("suite (pytest -n 2)", base, lambda: run([*suite, "-n", "2"], workdir)))
        rows.append(measure("generated tests only (suites/test_generated.py)", base,
                            lambda: run([*suite, "suites/test_generated.py"], workdir)))  # fmt: skip
        document = workdir / "openapi.json"
        document.write_text(json.dumps(spec.bundled_openapi()))
        st = shutil.which("st") or str(Path(sys.executable).with_name("st"))
        bearer = f"Authorization: Bearer {admin_token(target.config_path)}"
        st_run = [st, "run", str(document), "--url", base, "--header", bearer,
                  "--max-examples", str(args.examples), "--phases", "examples,coverage,fuzzing,stateful",
                  "--mode", "all", "--workers", "1", "--no-color"]  # fmt: skip
        rows.append(measure(f"st run (schemathesis CLI, {args.examples} examples)", base, lambda: run(st_run, workdir)))
        token = config["principals"]["only-read"]["token"]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        path = base + spec.operation("getWebchatDeployments").path

        def loop():
            for _ in range(args.loop):
                session.get(path, timeout=10)

        rows.append(measure(f"plain requests loop ({args.loop} GETs, keep-alive)", base, loop))
    figures = {"rows": rows, "failing_against_passing": side_by_side}
    (workdir / "figures.json").write_text(json.dumps(figures, indent=2))
    print(f"figures and logs: {workdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
