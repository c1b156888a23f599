"""Where the suite's files are, installed or in a checkout.

A wheel carries them inside the package (``webchat_contract/schemas``, ``webchat_contract/suites`` with the root
``conftest.py`` and the pytest settings in it); a checkout, and an editable install of it, keeps them at the top level
(``schemas/``, ``suites/``, ``conftest.py``, ``pytest.ini``).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parents[1]
SETTINGS_NAME = "pytest.ini"
INSTALLED = (PACKAGE_DIR / "suites").is_dir()

SCHEMAS_DIR = PACKAGE_DIR / "schemas" if INSTALLED else CHECKOUT_DIR / "schemas"
SUITES_DIR = PACKAGE_DIR / "suites" if INSTALLED else CHECKOUT_DIR / "suites"
# the directory pytest takes as its rootdir for the suite: its settings and the root conftest are there
SUITE_ROOT = SUITES_DIR if INSTALLED else CHECKOUT_DIR
SETTINGS_FILE = SUITE_ROOT / SETTINGS_NAME


def describe() -> str:
    """One line: where the suite is run from."""
    return f"suite {'installed' if INSTALLED else 'in a checkout'} at {SUITES_DIR}"
