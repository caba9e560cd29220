"""Exit codes of ``signed-lambda-verify`` (copied into ``--help`` and the README).

====  =====================================================================================
code  meaning
====  =====================================================================================
0     every check passed (warnings allowed)
1     at least one check failed (a proven problem; wins over 3 when both occur)
2     usage or input error: bad flag, unreadable or malformed outputs/job file, wrong
      region, a ``--job-id``/``--csc-arn`` given on the command line that does not exist
3     evidence could not be collected: no credentials, endpoint unreachable, access denied,
      throttling after retries; or a check could not run (an ERROR finding) with no failure
====  =====================================================================================
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    COLLECTION = 3


EPILOG = (
    "Exit codes: 0 every check passed (warnings allowed); "
    "1 at least one check failed; "
    "2 usage or input error (bad flag or input file, wrong region, unknown --job-id/--csc-arn); "
    "3 evidence could not be collected (credentials, permissions, network, throttling after "
    "retries) or a check could not run. A failure (1) wins over 3 when both occur."
)
