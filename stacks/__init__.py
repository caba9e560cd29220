"""CDKTF stacks for signed Lambda deployments.

cdktf imports stay in this package (and ``main.py``), so moving to CDK Terrain (``cdktn``),
the community continuation of the archived CDKTF, touches few files.
"""
