import sys
from pathlib import Path

# suite_runner and other helpers of the project's own tests
sys.path.insert(0, str(Path(__file__).parent))
