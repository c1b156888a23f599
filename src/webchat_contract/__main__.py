"""``python -m webchat_contract``."""

import sys

from webchat_contract.cli import main

sys.exit(main())
