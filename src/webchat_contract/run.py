"""``webchat-contract run``: the suite, installed or in a checkout, from any directory.

It is pytest on the suite's own directory with the suite's own settings (``layout``), the reports written under
``--out`` of the directory it is started in, and any other argument handed to pytest as it is.
"""

from __future__ import annotations

from pathlib import Path

from . import layout
from .reporting.certificate import CERTIFICATE_NAME
from .reporting.selection import PARTIAL_DIR

DEFAULT_OUT = Path("reports")


def _suite_path(arg: str, invoked_in: Path) -> str:
    """A test path given relative to the suite (``test_crud.py::test_x``) names the suite's file, wherever the
    command is run; anything else goes to pytest untouched."""
    file_part = arg.split("::", 1)[0]
    if arg.startswith("-") or not file_part.endswith(".py") or (invoked_in / file_part).exists():
        return arg
    inside = layout.SUITES_DIR / Path(file_part).name
    return str(inside) + arg[len(file_part) :] if inside.exists() else arg


def pytest_arguments(target_config: Path | None, out: Path, extra: list[str], invoked_in: Path) -> list[str]:
    extra = [_suite_path(arg, invoked_in) for arg in extra]
    names_tests = any(not arg.startswith("-") and ".py" in arg for arg in extra)
    out = (invoked_in / out).resolve()
    arguments = [
        "-c", str(layout.SETTINGS_FILE),
        f"--rootdir={layout.SUITE_ROOT}",
        f"--html={out / 'report.html'}",
        f"--junitxml={out / 'junit.xml'}",
    ]  # fmt: skip
    if target_config is not None:
        arguments.append(f"--target-config={(invoked_in / target_config).resolve()}")
    return [*arguments, *([] if names_tests else [str(layout.SUITES_DIR)]), *extra]


def _certificates(out: Path) -> dict[Path, int]:
    """The certificates under ``out`` (a complete run's and a partial one's), with their modification times."""
    candidates = (out / CERTIFICATE_NAME, out / PARTIAL_DIR / CERTIFICATE_NAME)
    return {path: path.stat().st_mtime_ns for path in candidates if path.exists()}


def run(target_config: Path | None, out: Path, sign_key: Path | None, extra: list[str]) -> int:
    """Run the suite; sign the certificate it wrote with ``sign_key``. Returns pytest's exit status."""
    import pytest

    from .reporting import signing

    if sign_key is not None:
        signing.load_private_key(sign_key)  # a key that cannot sign is a mistake to report before the run
    invoked_in = Path.cwd()
    before = _certificates((invoked_in / out).resolve())
    status = int(pytest.main(pytest_arguments(target_config, out, extra, invoked_in)))
    if sign_key is not None:
        written = [p for p, mtime in _certificates((invoked_in / out).resolve()).items() if before.get(p) != mtime]
        for path in written:
            fingerprint = signing.sign_file(path, sign_key)
            print(f"webchat-contract: {path} signed by key {fingerprint}")
    return status
