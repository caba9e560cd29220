"""Signer extension: signing jobs and revocation (moto 5.2.5 has signing profiles only)."""
