"""CLI commands, one module each, joined in :mod:`verifier.cli`."""
