"""IAM enforcement for the local AWS (``python -m localaws start --iam``, ``LOCAL_AWS_IAM=1``).

Off by default. With it on, every request signed with keys other than the dummy admin keys
(:data:`localaws.process.CLIENT_ACCESS_KEY_ID`, which stay all-powerful) is authenticated by
moto (IAM user keys, STS credentials of assumed roles; unknown keys get InvalidClientTokenId)
and authorized against the caller's identity policies and, for S3, the bucket policy, with the
resource ARNs and condition keys AWS documents (:mod:`localaws.iam.requests`), by the evaluator
in :mod:`localaws.iam.policy`. Denials are each service's AccessDenied, naming the action.

Not modelled: SCPs and resource control policies (attach a deny set as an identity policy
instead: an explicit deny wins the same way), permissions boundaries, session policies,
iam:PassRole, Lambda resource-based policies, cross-account access, policy variables.
"""

from __future__ import annotations

from localaws.iam import enforce


def install() -> None:
    """Route moto's authorization hook through this package (idempotent; enforces nothing)."""
    enforce.install(enforce=False)


def enable() -> None:
    """Enforce IAM from the next request on (moto's INITIAL_NO_AUTH_ACTION_COUNT = 0)."""
    enforce.install(enforce=True)
