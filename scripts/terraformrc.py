"""``python3 scripts/terraformrc.py [OUTPUT]``: the Makefile's entry to
:mod:`verifier.drift.terraformrc` (standard library only; runs before any virtualenv exists)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verifier.drift.terraformrc import main

if __name__ == "__main__":
    main(sys.argv)
