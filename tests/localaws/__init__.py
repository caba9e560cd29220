"""Tests of the local AWS (localaws/): over real HTTP against a running server."""
