"""Drift: ``terraform plan -detailed-exitcode`` on each synthesized stack plus the verifier,
in-process, because plan alone misses code swapped out of band and never re-checks revocation
or expiry. The command is :mod:`verifier.commands.drift`; this package holds its parts."""
