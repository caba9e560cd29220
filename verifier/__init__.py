"""signed-lambda verifier: proves each deployed function runs exactly the signed object."""

__version__ = "0.1.0"
