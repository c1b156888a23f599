"""Open an HTML report in headless Chromium, save a 1280x800 screenshot, and fail on console errors.

    python tests/render_report.py REPORT.html OUT.png

Exit status 0 when the page rendered without console errors, 1 otherwise (the errors are printed), 2 when
Chromium is missing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
WINDOW = "1280,800"
# console messages as Chromium logs them with --enable-logging=stderr; a clean report logs none
CONSOLE_LINE = re.compile(r":CONSOLE\(\d+\)\]|Uncaught")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
    f"--window-size={WINDOW}",
]


def render(report: Path, screenshot: Path, timeout: float = 60) -> list[str]:
    """Screenshot ``report`` into ``screenshot``; the console error lines Chromium logged."""
    with tempfile.TemporaryDirectory(prefix="render-report-") as profile:
        command = [
            str(CHROMIUM),
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={screenshot.resolve()}",
            report.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    errors = [line for line in done.stderr.splitlines() if CONSOLE_LINE.search(line)]
    if done.returncode != 0 or not screenshot.exists():
        errors.append(f"chromium exited with {done.returncode} and no screenshot: {done.stderr[-500:]}")
    return errors


# run in the page once it has rendered: what a reader sees in the first screen, and whether it scrolls sideways
PROBE_SCRIPT = """<script>
const SCREEN = %HEIGHT%;  // the screenshot's height: headless Chromium's innerHeight is less than its window
window.addEventListener("load", () => setTimeout(() => {
  const shown = (el, whole) => {
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && (whole ? r.bottom <= SCREEN : r.top < SCREEN - 40);
  };
  const rows = [...document.querySelectorAll("#wcc-causes tbody tr .wcc-cause__message")];
  const probe = {
    scroll_width: document.documentElement.scrollWidth,
    width: window.innerWidth,
    verdict: shown(document.getElementById("wcc-verdict"), true),
    causes: rows.map((el) => shown(el, true)),
    exchange: shown(document.querySelector("#wcc-causes .wcc-exchange"), false),
  };
  const out = document.createElement("pre");
  out.id = "wcc-probe";
  out.textContent = JSON.stringify(probe);
  document.body.appendChild(out);
}, 200));
</script>"""
PROBE = re.compile(r'<pre id="wcc-probe">(.*?)</pre>', re.S)


def first_screen(report: Path, timeout: float = 60) -> dict:
    """What the first screen of ``report`` shows at WINDOW: the verdict, each cause, the first exchange (each
    True when in view), and the page's scroll width."""
    with tempfile.TemporaryDirectory(prefix="render-report-") as workdir:
        probed = Path(workdir) / "report.html"
        script = PROBE_SCRIPT.replace("%HEIGHT%", WINDOW.split(",")[1])
        probed.write_text(report.read_text(encoding="utf-8").replace("</body>", script + "</body>"))
        command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={workdir}/profile", "--virtual-time-budget=10000",
                   "--dump-dom", probed.as_uri()]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    found = PROBE.search(done.stdout)
    if found is None:
        raise RuntimeError(f"chromium rendered no probe (exit {done.returncode}): {done.stderr[-500:]}")
    return json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&"))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    report, screenshot = Path(argv[0]), Path(argv[1])
    errors = render(report, screenshot)
    for error in errors:
        print(error)
    print(f"{screenshot}: {'console errors' if errors else 'rendered cleanly'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
