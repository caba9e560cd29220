"""``python scripts/conformance``: the entry point (``make conformance``)."""

import sys
from pathlib import Path

# Run as a directory, this file has no parent package: make ``conformance`` importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance.cli import main

sys.exit(main())
