"""IAM enforcement for the local AWS (``python -m localaws start --iam``, ``LOCAL_AWS_IAM=1``).

Off by default. With it on, every request signed with keys other than the dummy admin keys
(:data:`localaws.process.CLIENT_ACCESS_KEY_ID`, which stay all-powerful) is authenticated by
moto (IAM user keys, STS credentials of assumed roles; unknown keys get InvalidClientTokenId)
and authorized against the caller's identity policies and, for S3, the bucket policy, with the
resource ARNs and condition keys AWS documents (:mod:`localaws.iam.requests`), by the evaluator
in :mod:`localaws.iam.policy`. Denials are each service's AccessDenied, naming the action.

Sessions of roles in other accounts (an organization's members) are enforced in the role's
account, as moto keys them; AssumeRole into another account is decided by the role's trust policy
(:mod:`localaws.sts.trust`, the same evaluator).

Not modelled: SCPs and resource control policies (attach a deny set as an identity policy
instead: an explicit deny wins the same way), permissions boundaries, session policies,
iam:PassRole, Lambda resource-based policies, other cross-account access (a bucket policy
granting another account), policy variables. CloudFormation refuses every enforced caller
(:mod:`localaws.cloudformation.responses`): AWS creates a stack's resources with the caller's
permissions, which this server does not evaluate for a template.
"""

from __future__ import annotations

# enforce is imported where it is used: importing the pure evaluator (localaws.iam.policy, also
# used by localaws.sts.trust, which enforce itself reaches) must not load moto's hooks.


def install() -> None:
    """Route moto's authorization hook through this package (idempotent; enforces nothing)."""
    from localaws.iam import enforce

    enforce.install(enforce=False)


def enable() -> None:
    """Enforce IAM from the next request on (moto's INITIAL_NO_AUTH_ACTION_COUNT = 0)."""
    from localaws.iam import enforce

    enforce.install(enforce=True)
