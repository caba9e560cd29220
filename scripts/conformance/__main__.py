"""``python scripts/conformance``: the entry point (``make conformance``)."""

import sys
from pathlib import Path

# Run as a directory, this file has no parent package: make ``conformance`` importable, and
# the checkout's ``localaws.world`` (the signed-world builder; boto3 only) with it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))

from conformance.cli import main

sys.exit(main())
