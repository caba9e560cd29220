"""Judge a fleet: pure functions from a Region's evidence to findings. No AWS here.

Per function, in proof order:
  1. ``function.package_type``: a container image is outside Lambda code signing (warn, and
     nothing else is judged for it);
  2. ``function.csc``: a code signing config is attached;
  3. ``csc.policy``: it enforces (``Enforce``);
  4. ``csc.publishers``: it allows only trusted profile versions;
  5. ``code.signed``: every code path (``$LATEST`` and each published version) is proven on its
     own by the verifier's ``prove_signature``: deployed through validation (``SigningJobArn``),
     the job Succeeded, a trusted profile version signed it on the Lambda platform, neither the
     job's signature nor (per AWS's semantics) the profile is revoked, not expired (warn inside
     the window), and ``CodeSha256`` is the SHA-256 of the job's signed object;
  6. ``layers.signed``: each layer version the function uses, proven the same way from
     ``GetLayerVersion``'s ``CodeSha256``;
  7. ``aliases.signed``: where a code path fails, every alias and weight routing traffic to it.

Every finding names the function and the resource (function, version, layer or alias ARN).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from verifier.audit.model import ExpiringSignature, FunctionRecord, RegionEvidence, Scope
from verifier.checks import Context, Proof, prove_layer, prove_signature
from verifier.contract.arns import job_id_of
from verifier.model import (
    AliasEvidence,
    CodePath,
    Finding,
    LayerVersionEvidence,
    Missing,
    Policy,
    Severity,
    SigningJobEvidence,
    Status,
    Trust,
    Unavailable,
)


@dataclass(frozen=True)
class AuditCheck:
    id: str
    title: str
    severity: Severity
    remediation: str

    def finding(
        self, status: Status, function: str, resource: str, expected: str, actual: str
    ) -> Finding:
        return Finding(
            check_id=self.id,
            title=self.title,
            status=status,
            severity=self.severity,
            function=function,
            resource=resource,
            expected=expected,
            actual=actual,
            remediation=self.remediation,
        )


PACKAGE_TYPE = AuditCheck(
    "function.package_type",
    "The function is a .zip package (Lambda code signing does not cover container images)",
    Severity.MEDIUM,
    "Lambda code signing covers .zip packages only. For a container image, sign it with AWS "
    "Signer and Notation (the notation-aws-signer plugin) and verify the signature before the "
    "image is deployed; pin the image by digest.",
)
FUNCTION_CSC = AuditCheck(
    "function.csc",
    "A code signing config is attached to the function",
    Severity.HIGH,
    "Attach a code signing config that allows only trusted profile versions "
    "(PutFunctionCodeSigningConfig, or code_signing_config_arn in Terraform) and redeploy "
    "from signed code.",
)
CSC_POLICY = AuditCheck(
    "csc.policy",
    "The code signing config enforces (UntrustedArtifactOnDeployment = Enforce)",
    Severity.HIGH,
    "Set UntrustedArtifactOnDeployment to Enforce: under Warn, Lambda deploys unsigned or "
    "untrusted code and only logs it.",
)
CSC_PUBLISHERS = AuditCheck(
    "csc.publishers",
    "The code signing config allows only trusted signing profile versions",
    Severity.HIGH,
    "Remove the untrusted profile versions from AllowedPublishers, or trust them explicitly "
    "(--trust, or the lock file after review).",
)
CODE_SIGNED = AuditCheck(
    "code.signed",
    "The code path runs its signing job's signed object, signed by a trusted, unrevoked, "
    "unexpired profile version",
    Severity.CRITICAL,
    "Redeploy the function (and publish a new version) from code signed by a trusted profile "
    "with the CSC attached; delete versions that cannot be proven and repoint their aliases.",
)
LAYERS_SIGNED = AuditCheck(
    "layers.signed",
    "Every layer version the function uses is signed by a trusted profile and is its signed object",
    Severity.CRITICAL,
    "Publish the layer from an object signed by a trusted profile, update the function to "
    "that layer version, and remove layers that cannot be proven.",
)
ALIASES_SIGNED = AuditCheck(
    "aliases.signed",
    "The alias routes traffic only to proven code (weighted routing included)",
    Severity.CRITICAL,
    "Point the alias and its additional version weights at versions that run proven code.",
)
FLEET_LISTED = AuditCheck(
    "fleet.listed",
    "The fleet was listed completely (functions, code signing configs)",
    Severity.HIGH,
    "Grant the audit role lambda:ListFunctions, lambda:ListCodeSigningConfigs and "
    "lambda:ListFunctionsByCodeSigningConfig, then run it again.",
)
FLEET_SCOPE = AuditCheck(
    "fleet.scope",
    "The audit found the functions it was asked about",
    Severity.MEDIUM,
    "Check the Region (--region), the account (credentials) and --function-prefix.",
)

#: Every audit check, in report order (SARIF rules).
AUDIT_CHECKS = (
    FLEET_LISTED,
    FLEET_SCOPE,
    PACKAGE_TYPE,
    FUNCTION_CSC,
    CSC_POLICY,
    CSC_PUBLISHERS,
    CODE_SIGNED,
    LAYERS_SIGNED,
    ALIASES_SIGNED,
)

_WORST = [Status.PASS, Status.WARN, Status.ERROR, Status.FAIL]


def _worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=_WORST.index, default=Status.PASS)


class Judge:
    """The findings for one Region's evidence (memoizes per-signature proofs: a layer or job
    shared by a thousand functions is proven once)."""

    def __init__(self, ev: RegionEvidence, trust: Trust, ctx: Context, scope: Scope) -> None:
        self.ev = ev
        self.trust = trust
        self.ctx = ctx
        self.scope = scope
        self._layer_proofs: dict[str, Proof] = {}

    # -- proofs -------------------------------------------------------------------------------

    def path_proof(self, function: FunctionRecord, path: CodePath) -> Proof:
        what = f"{function.name}:{path.version}"
        return prove_signature(
            self.ev, self.trust, self.ctx, path.signing_job_arn, path.code_sha256 or None, what
        )

    def layer_proof(self, arn: str) -> Proof:
        if arn not in self._layer_proofs:
            self._layer_proofs[arn] = prove_layer(
                self.ev, self.trust, self.ctx, arn, f"layer {arn}"
            )
        return self._layer_proofs[arn]

    def selected_paths(self, function: FunctionRecord) -> list[CodePath]:
        return [p for p in function.paths if self.scope.selects_path(p, self.ev.jobs)]

    def path_status(self, function: FunctionRecord, path: CodePath) -> Status:
        """A code path's own proof and its layers': what an alias routing to it runs."""
        statuses = [self.path_proof(function, path).status]
        statuses += [self.layer_proof(layer.arn).status for layer in path.layers]
        return _worst(statuses)

    def needs_aliases(self, function: FunctionRecord) -> bool:
        """Aliases are listed only where a code path fails (or could not be proven), or, in a
        narrowed scope, for every affected function (the blast radius names them)."""
        if function.is_image:
            return False
        paths = self.selected_paths(function)
        if self.scope.narrowed:
            return bool(paths)
        return any(self.path_status(function, path) is not Status.PASS for path in paths)

    # -- findings -----------------------------------------------------------------------------

    def findings(self) -> list[Finding]:
        found: list[Finding] = []
        for error in self.ev.listing_errors:
            found.append(
                FLEET_LISTED.finding(
                    Status.ERROR,
                    "*",
                    f"lambda:{self.ev.region}",
                    "every function and code signing config listed",
                    f"not evaluated: {error.operation} failed: {error.reason}",
                )
            )
        functions = [f for f in self.ev.functions if self.scope.selects_name(f.name)]
        judged = 0
        for function in functions:
            if self.scope.narrowed and not self.selected_paths(function):
                continue
            judged += 1
            found += self.function_findings(function)
        if not judged:
            found.append(self._nothing_found(len(functions)))
        return found

    def _nothing_found(self, listed: int) -> Finding:
        region = self.ev.region
        if self.scope.narrowed:
            # An answer, not a doubt: nothing in this Region runs that code.
            return FLEET_SCOPE.finding(
                Status.PASS,
                "*",
                f"lambda:{region}",
                self.scope.describe(),
                f"no code path of the {listed} function(s) in {region} runs it",
            )
        # Zero functions is never a pass: a wrong Region or account looks the same.
        return FLEET_SCOPE.finding(
            Status.ERROR,
            "*",
            f"lambda:{region}",
            self.scope.describe(),
            f"not evaluated: no Lambda functions found in {region}",
        )

    def function_findings(self, function: FunctionRecord) -> list[Finding]:
        name = function.name
        found: list[Finding] = []
        if function.is_image:
            return [
                PACKAGE_TYPE.finding(
                    Status.WARN,
                    name,
                    function.arn,
                    "a .zip package (code signing covers .zip only)",
                    "a container image: Lambda code signing does not apply; sign the image "
                    "with AWS Signer and Notation",
                )
            ]
        if not self.scope.narrowed:
            found.append(
                PACKAGE_TYPE.finding(Status.PASS, name, function.arn, "a .zip package", "Zip")
            )
            found += self.csc_findings(function)
        aliases = self.ev.aliases.get(name)
        failing: dict[str, Status] = {}
        for path in self.selected_paths(function):
            proof = self.path_proof(function, path)
            routed = self._routed_to(aliases, path.version)
            suffix = (
                f" [aliases: {', '.join(routed)}]"
                if routed and proof.status is not Status.PASS
                else ""
            )
            found.append(
                CODE_SIGNED.finding(
                    proof.status,
                    name,
                    function.path_resource(path),
                    f"{path.version}: trusted signature, CodeSha256 = signed object",
                    f"{path.version}: " + proof.summary("proven") + suffix,
                )
            )
            status = self.path_status(function, path)
            if status is not Status.PASS:
                failing[path.version] = status
        found += self.layer_findings(function)
        found += self.alias_findings(function, aliases, failing)
        return found

    def csc_findings(self, function: FunctionRecord) -> list[Finding]:
        name = function.name
        csc_arn = function.csc_arn
        expected = "a code signing config"
        if isinstance(csc_arn, Unavailable):
            return [
                FUNCTION_CSC.finding(
                    Status.ERROR,
                    name,
                    function.arn,
                    expected,
                    f"not evaluated: {csc_arn.operation} failed: {csc_arn.reason}",
                )
            ]
        if csc_arn is None:
            return [
                FUNCTION_CSC.finding(
                    Status.FAIL, name, function.arn, expected, "no code signing config attached"
                )
            ]
        found = [FUNCTION_CSC.finding(Status.PASS, name, function.arn, expected, csc_arn)]
        csc = self.ev.cscs.get(csc_arn)
        if csc is None:
            reason = f"not evaluated: code signing config {csc_arn} was not listed"
            return [
                *found,
                CSC_POLICY.finding(Status.ERROR, name, csc_arn, Policy.ENFORCE.value, reason),
                CSC_PUBLISHERS.finding(Status.ERROR, name, csc_arn, "trusted only", reason),
            ]
        found.append(
            CSC_POLICY.finding(
                Status.PASS if csc.policy == Policy.ENFORCE.value else Status.FAIL,
                name,
                csc.arn,
                Policy.ENFORCE.value,
                csc.policy,
            )
        )
        untrusted = [arn for arn in csc.allowed_publishers if not self.trust.trusts_arn(arn)]
        trusted = ", ".join(sorted(self.trust.profile_version_arns))
        found.append(
            CSC_PUBLISHERS.finding(
                Status.FAIL if untrusted or not csc.allowed_publishers else Status.PASS,
                name,
                csc.arn,
                f"a subset of {trusted}",
                f"untrusted: {', '.join(untrusted)}"
                if untrusted
                else (", ".join(csc.allowed_publishers) or "no allowed publishers"),
            )
        )
        return found

    def layer_findings(self, function: FunctionRecord) -> list[Finding]:
        users: dict[str, list[str]] = {}
        for path in self.selected_paths(function):
            for layer in path.layers:
                in_scope = not self.scope.narrowed or self.scope.selects_signature(
                    layer.signing_job_arn, layer.signing_profile_version_arn, self.ev.jobs
                )
                if in_scope:
                    users.setdefault(layer.arn, []).append(path.version)
        found = []
        for arn, versions in users.items():
            proof = self.layer_proof(arn)
            found.append(
                LAYERS_SIGNED.finding(
                    proof.status,
                    function.name,
                    arn,
                    "signed by a trusted profile, unrevoked, unexpired, CodeSha256 = signed object",
                    f"used by {', '.join(versions)}: " + proof.summary("proven"),
                )
            )
        return found

    @staticmethod
    def _routed_to(
        aliases: tuple[AliasEvidence, ...] | Unavailable | Missing | None, version: str
    ) -> list[str]:
        if not isinstance(aliases, tuple):
            return []
        names = []
        for alias in aliases:
            for routed, weight in alias.routes:
                if routed == version:
                    names.append(alias.name if weight is None else f"{alias.name} ({weight:.0%})")
        return names

    def alias_findings(
        self,
        function: FunctionRecord,
        aliases: tuple[AliasEvidence, ...] | Unavailable | Missing | None,
        failing: dict[str, Status],
    ) -> list[Finding]:
        if not failing and not self.scope.narrowed:
            return []
        name = function.name
        if aliases is None:
            return []  # not listed: nothing fails (or not asked for)
        if not isinstance(aliases, tuple):
            reason = (
                f"{aliases.operation}: {aliases.reason}"
                if isinstance(aliases, Unavailable)
                else f"{aliases.what} {aliases.identifier} does not exist"
            )
            return [
                ALIASES_SIGNED.finding(
                    Status.ERROR,
                    name,
                    function.arn,
                    "aliases route only to proven versions",
                    f"not evaluated: the aliases routing to {', '.join(failing)} could not be "
                    f"listed ({reason})",
                )
            ]
        selected = {p.version for p in self.selected_paths(function)}
        found = []
        for alias in aliases:
            routes = [(v, w) for v, w in alias.routes if v in selected]
            if not routes:
                continue
            details = []
            for version, weight in routes:
                share = "" if weight is None else f" ({weight:.0%})"
                details.append(f"{version}{share}: {failing.get(version, Status.PASS).value}")
            status = _worst(failing.get(v, Status.PASS) for v, _ in routes)
            found.append(
                ALIASES_SIGNED.finding(
                    status,
                    name,
                    f"{function.arn}:{alias.name}",
                    "routes only to proven versions",
                    f"alias {alias.name} routes to " + "; ".join(details),
                )
            )
        return found

    # -- the forecast ---------------------------------------------------------------------------

    def expiring(self) -> list[ExpiringSignature]:
        """Signatures in use that expire inside the warning window, soonest first."""
        horizon = self.ctx.now + timedelta(days=self.ctx.expiry_warning_days)
        users: dict[str, list[str]] = {}
        for function in self.ev.functions:
            if function.is_image or not self.scope.selects_name(function.name):
                continue
            for path in self.selected_paths(function):
                label = f"{function.name}:{path.version}"
                if path.signing_job_arn:
                    users.setdefault(job_id_of(path.signing_job_arn), []).append(label)
                for layer in path.layers:
                    evidence = self.ev.layer_versions.get(layer.arn)
                    if isinstance(evidence, LayerVersionEvidence) and evidence.signing_job_arn:
                        users.setdefault(job_id_of(evidence.signing_job_arn), []).append(
                            f"{label} (layer {layer.arn.rsplit(':', 2)[-2]})"
                        )
        found = []
        for job_id, labels in users.items():
            job = self.ev.jobs.get(job_id)
            if not isinstance(job, SigningJobEvidence) or job.signature_expires_at is None:
                continue
            if self.ctx.now < job.signature_expires_at <= horizon:
                found.append(
                    ExpiringSignature(
                        expires_at=job.signature_expires_at,
                        job_id=job_id,
                        profile=f"{job.profile_name}/{job.profile_version}",
                        used_by=tuple(dict.fromkeys(labels)),
                    )
                )
        return sorted(found, key=lambda item: (item.expires_at, item.job_id))
