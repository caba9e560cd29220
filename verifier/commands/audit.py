"""``signed-lambda audit``: inputs -> ``audit(...)`` -> report, summary line and exit code."""

from __future__ import annotations

import gc
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import typer

from verifier import securityhub
from verifier.api import (
    AuditPlan,
    AuditResult,
    audit,
    exit_code_for,
    max_attempts_from_environment,
    region_from_environment,
    session_for,
    stderr,
)
from verifier.checks.environment import CODE_LOADING_ENVIRONMENT
from verifier.checks.findings import Report, Status
from verifier.checks.rules import FLEET_ACCESS
from verifier.checks.scope import Scope
from verifier.collect.budget import LAMBDA_CONTROL_PLANE_QUOTA
from verifier.collect.cache import default_cache_dir
from verifier.collect.progress import ProgressReporter
from verifier.commands.options import (
    AwsProfile,
    ReportFormat,
    ReportOutput,
    SarifOutput,
    SecurityHubRegion,
    Verbose,
    check_report_paths,
)
from verifier.commands.verify import emit
from verifier.contract.accounts import (
    DEFAULT_ROLE_SESSION_NAME,
    DEFAULT_SESSION_SECONDS,
    AccountTargets,
    RoleOptions,
    Shard,
    account_id,
    read_accounts_file,
    validate_role,
)
from verifier.contract.arns import PROFILE_VERSION_ARN, PROFILE_VERSION_ARN_FORMAT, REGION_FORMAT
from verifier.contract.lock import load as load_lock
from verifier.contract.targets import Trust
from verifier.errors import InputError, VerifierError
from verifier.exitcodes import ExitCode
from verifier.report import Format, Location, RenderOptions
from verifier.report.options import lock_location

#: The exit code of a run stopped with Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130


@dataclass(frozen=True)
class AccountFlags:
    """The organization flags as given (``build_targets`` validates them)."""

    organization: bool = False
    accounts: tuple[str, ...] = ()
    accounts_file: Path | None = None
    exclude: tuple[str, ...] = ()
    role_name: str | None = None
    external_id: str | None = None
    role_session_name: str = DEFAULT_ROLE_SESSION_NAME
    session_duration: int = DEFAULT_SESSION_SECONDS
    all_regions: bool = False
    shard: str | None = None
    #: ASFF and Security Hub need each finding's account: the run asks STS who the caller is.
    needs_account: bool = False

    @property
    def given(self) -> bool:
        return bool(
            self.organization
            or self.accounts
            or self.accounts_file
            or self.exclude
            or self.role_name
            or self.external_id
            or self.role_session_name != DEFAULT_ROLE_SESSION_NAME
            or self.session_duration != DEFAULT_SESSION_SECONDS
            or self.all_regions
            or self.shard
            or self.needs_account
        )


def check_region(region: str, flag: str = "--region") -> str:
    if not re.fullmatch(REGION_FORMAT, region):
        raise InputError(f"{flag} {region}: not an AWS Region name (e.g. us-east-1)")
    return region


def build_targets(
    flags: AccountFlags, regions: list[str], environment_region: str | None
) -> AccountTargets | None:
    """The organization audit's targets (None: the session's own account, as before); every
    flag validated before any AWS call."""
    if not flags.given:
        return None
    if flags.all_regions and regions:
        raise InputError("--all-regions and --region: give one of them")
    for region in regions:
        check_region(region)
    home = regions[0] if regions else environment_region
    if home is None:
        raise InputError(
            "no region: pass --region, or set AWS_REGION (with --all-regions, the Region for "
            "STS, Organizations and the Region listings)"
        )
    check_region(home, "AWS_REGION")
    for flag, value in (
        ("--external-id", flags.external_id),
        ("--role-session-name", flags.role_session_name != DEFAULT_ROLE_SESSION_NAME or None),
        ("--session-duration", flags.session_duration != DEFAULT_SESSION_SECONDS or None),
    ):
        if value and flags.role_name is None:
            raise InputError(f"{flag} needs --role-name (the role it applies to)")
    accounts = tuple(account_id(value, "--account") for value in flags.accounts)
    if flags.accounts_file is not None:
        accounts += read_accounts_file(flags.accounts_file)
    role = validate_role(
        RoleOptions(
            name=flags.role_name,
            external_id=flags.external_id,
            session_name=flags.role_session_name,
            duration_seconds=flags.session_duration,
        )
    )
    return AccountTargets(
        organization=flags.organization,
        accounts=tuple(dict.fromkeys(accounts)),
        exclude=frozenset(account_id(value, "--exclude-account") for value in flags.exclude),
        role=role,
        regions=tuple(dict.fromkeys(regions)),
        all_regions=flags.all_regions,
        home_region=home,
        shard=Shard.parse(flags.shard) if flags.shard is not None else None,
    )


def build_plan(
    *,
    trust: list[str],
    lock: Path | None,
    regions: list[str],
    environment_region: str | None,
    function_prefix: str | None,
    job_id: str | None,
    profile_version_arn: str | None,
    expiry_warning_days: int,
    cache_dir: Path | None,
    no_cache: bool,
    max_lambda_rps: float,
    allow_env: list[str] | None = None,
    allow_container_images: bool = False,
    accounts: AccountFlags | None = None,
    concurrency: int = 32,
) -> AuditPlan:
    """Every input validated before any AWS call (each problem: one line, exit 2)."""

    if not trust and lock is None:
        raise InputError(
            "no trusted publishers: pass --trust PROFILE_VERSION_ARN (repeatable) and/or "
            "--lock signed-lambda.lock.json"
        )
    arns: set[str] = set()
    for arn in trust:
        if not PROFILE_VERSION_ARN.match(arn):
            raise InputError(
                f"--trust {arn}: not a signing profile version ARN (expected "
                f"{PROFILE_VERSION_ARN_FORMAT})"
            )
        arns.add(arn)
    origins = ["--trust"] if trust else []
    if lock is not None:
        loaded = load_lock(lock)
        for entry in loaded.stacks:
            arns.update(entry.signing_profile_version_arns)
        origins.append(f"{lock} ({len(loaded.stacks)} stack(s))")
    if profile_version_arn is not None and not PROFILE_VERSION_ARN.match(profile_version_arn):
        raise InputError(
            f"--profile-version-arn {profile_version_arn}: not a signing profile version ARN "
            f"(expected {PROFILE_VERSION_ARN_FORMAT})"
        )
    if job_id is not None and not re.fullmatch(r"[A-Za-z0-9-]{1,128}", job_id):
        raise InputError(f"--job-id {job_id!r}: not a signing job id")
    targets = build_targets(accounts or AccountFlags(), regions, environment_region)
    chosen = list(dict.fromkeys(regions)) or ([environment_region] if environment_region else [])
    if targets is not None:
        chosen = list(targets.regions) or [targets.home_region]
        if not targets.regions and not targets.all_regions:
            targets = replace(targets, regions=(targets.home_region,))
    if not chosen:
        raise InputError("no region: set AWS_REGION or pass --region")
    for region in chosen:
        check_region(region)
    if concurrency < 1:
        raise InputError(f"--concurrency {concurrency}: must be at least 1")
    if not 0 < max_lambda_rps <= LAMBDA_CONTROL_PLANE_QUOTA:
        raise InputError(
            f"--max-lambda-rps {max_lambda_rps:g}: must be above 0 and at most "
            f"{LAMBDA_CONTROL_PLANE_QUOTA:g} (Lambda's shared control-plane quota)"
        )
    if cache_dir is not None and cache_dir.exists() and not cache_dir.is_dir():
        raise InputError(f"--cache-dir {cache_dir}: not a directory")
    for name in allow_env or ():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise InputError(f"--allow-env {name!r}: not an environment variable name")
        if name not in CODE_LOADING_ENVIRONMENT:
            raise InputError(
                f"--allow-env {name}: not a code-loading variable, so the audit never fails it",
                "pass only variables the report names in function.environment",
            )
    return AuditPlan(
        trust=Trust(profile_version_arns=frozenset(arns), origin=" and ".join(origins)),
        regions=tuple(chosen),
        scope=Scope(
            function_prefix=function_prefix, job_id=job_id, profile_version_arn=profile_version_arn
        ),
        expiry_warning_days=expiry_warning_days,
        cache_dir=None if no_cache else (cache_dir or default_cache_dir()),
        max_lambda_rps=max_lambda_rps,
        source=str(lock) if lock is not None else "command line",
        allowed_environment=frozenset(allow_env or ()),
        allow_container_images=allow_container_images,
        targets=targets,
        concurrency=concurrency,
    )


def summary_line(result: AuditResult, plan: AuditPlan) -> str:
    report = result.report
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in Status)
    requests = result.requests
    if result.runs:
        unreachable = sum(1 for run in result.runs if run.unreachable is not None)
        peak = max((run.requests.max_lambda_rps() for run in result.runs), default=0)
        assumed = result.discovery.counts.get("sts:AssumeRole", 0)
        return (
            f"signed-lambda audit: {report.result.value.upper()}: {result.functions} function(s) "
            f"in {len(result.accounts)} account(s), {len(result.runs)} account-region(s)"
            f"{f' ({unreachable} not audited)' if unreachable else ''}, "
            f"{len(report.findings)} checks: {counts}; {requests.total('lambda')} Lambda "
            f"requests (peak {peak}/s in one account-region, budget {plan.max_lambda_rps:g} "
            f"each), {requests.total('signer')} Signer, {requests.total('s3')} S3, {assumed} "
            f"AssumeRole; hash cache {result.cache.hits} hit(s); {result.seconds:.1f}s"
        )
    return (
        f"signed-lambda audit: {report.result.value.upper()}: {result.functions} function(s) in "
        f"{', '.join(plan.regions)}, {len(report.findings)} checks: {counts}; "
        f"{requests.total('lambda')} Lambda requests (peak {requests.max_lambda_rps()}/s of "
        f"{plan.max_lambda_rps:g}), {requests.total('signer')} Signer, {requests.total('s3')} S3; "
        f"hash cache {result.cache.hits} hit(s); {result.seconds:.1f}s"
    )


def audit_command(
    trust: Annotated[
        list[str] | None,
        typer.Option(
            "--trust",
            metavar="PROFILE_VERSION_ARN",
            help="A trusted signing profile version ARN (repeatable).",
            show_default=False,
        ),
    ] = None,
    lock: Annotated[
        Path | None,
        typer.Option(
            help="A lock file: every stack's pinned profile versions are trusted (with --trust: "
            "the union).",
            show_default=False,
        ),
    ] = None,
    region: Annotated[
        list[str] | None,
        typer.Option(
            help="Region to audit (repeatable; default: AWS_REGION or the profile's).",
            show_default=False,
        ),
    ] = None,
    profile: AwsProfile = None,
    function_prefix: Annotated[
        str | None,
        typer.Option(help="Only functions whose name starts with this.", show_default=False),
    ] = None,
    job_id: Annotated[
        str | None,
        typer.Option(
            help="Only what runs code from this signing job: the functions, versions, layers "
            "and aliases affected (revocation blast radius).",
            show_default=False,
        ),
    ] = None,
    profile_version_arn: Annotated[
        str | None,
        typer.Option(
            metavar="ARN",
            help="Only what runs code signed by this profile version (blast radius).",
            show_default=False,
        ),
    ] = None,
    expiry_warning_days: Annotated[
        int,
        typer.Option(
            min=0,
            help="Warn when a signature expires within this many days (and forecast them).",
        ),
    ] = 30,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            help="Hash cache of signed object versions (default: $XDG_CACHE_HOME/signed-lambda "
            "or ~/.cache/signed-lambda). Object versions are immutable: safe to share in CI.",
            show_default=False,
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Hash every signed object; write no cache.")
    ] = False,
    max_lambda_rps: Annotated[
        float,
        typer.Option(
            help="Lambda control-plane requests/s the audit may use of the account's shared 15 "
            "(leave the rest to deploys).",
        ),
    ] = 10.0,
    allow_env: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME",
            help="A code-loading environment variable the team uses on purpose (repeatable): "
            "not a failure.",
            show_default=False,
        ),
    ] = None,
    allow_container_images: Annotated[
        bool,
        typer.Option(
            "--allow-container-images",
            help="Report container-image functions (outside Lambda code signing) as warnings, "
            "not failures.",
        ),
    ] = False,
    organization: Annotated[
        bool,
        typer.Option(
            "--organization",
            help="Audit every ACTIVE account of the organization (organizations:ListAccounts: "
            "from the management account or a delegated administrator).",
        ),
    ] = False,
    account: Annotated[
        list[str] | None,
        typer.Option(
            "--account", metavar="ID", help="An account to audit (repeatable).", show_default=False
        ),
    ] = None,
    accounts_file: Annotated[
        Path | None,
        typer.Option(
            help="Accounts to audit: one 12-digit id per line (# comments).", show_default=False
        ),
    ] = None,
    exclude_account: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ID",
            help="An account not to audit (repeatable; the caller's own account included).",
            show_default=False,
        ),
    ] = None,
    role_name: Annotated[
        str | None,
        typer.Option(
            help="The role to assume in every other account "
            "(arn:<partition>:iam::<account>:role/NAME); the caller's own account is audited "
            "with its own credentials.",
            show_default=False,
        ),
    ] = None,
    external_id: Annotated[
        str | None,
        typer.Option(help="The ExternalId the roles' trust policies require.", show_default=False),
    ] = None,
    role_session_name: Annotated[
        str, typer.Option(help="The role session name (CloudTrail shows it).")
    ] = DEFAULT_ROLE_SESSION_NAME,
    session_duration: Annotated[
        int,
        typer.Option(
            metavar="SECONDS",
            help="Each role session's duration (900-43200; credentials are renewed before "
            "they expire).",
        ),
    ] = DEFAULT_SESSION_SECONDS,
    all_regions: Annotated[
        bool,
        typer.Option(
            "--all-regions",
            help="Every Region enabled for each account (account:ListRegions, else EC2 "
            "DescribeRegions) instead of --region.",
        ),
    ] = False,
    shard: Annotated[
        str | None,
        typer.Option(
            metavar="K/N",
            help="Audit the K-th of N parts of the accounts (a CI matrix); combine the JSON "
            "reports with `signed-lambda report merge`.",
            show_default=False,
        ),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Account-regions audited at once.")] = 32,
    security_hub: Annotated[
        bool,
        typer.Option(
            "--security-hub",
            help="Import the findings into Security Hub (each account's with its own session), "
            "archiving and resolving the ones fixed since the last import.",
        ),
    ] = False,
    security_hub_region: SecurityHubRegion = None,
    fmt: ReportFormat = Format.TEXT,
    output: ReportOutput = None,
    sarif_output: SarifOutput = None,
    verbose: Verbose = False,
) -> None:
    """Prove every Lambda function in the account runs trusted signed code, within Lambda's API limits.

    For each function, $LATEST, each published version and each layer version: a CSC is attached, enforcing, allowing only trusted publishers; the code went through signature validation by a job that succeeded, signed by a trusted profile version, not revoked, not expired; CodeSha256 is the SHA-256 of the job's signed object; and no environment variable makes the runtime load other code (--allow-env NAME to accept one). Aliases routing to a failing version are named. Container images cannot be proven by Lambda code signing and fail (--allow-container-images: warn). Bulk listings under a rate budget replace per-function calls; signed object hashes are cached on disk. No manifest is needed.

    Several accounts (--organization, --account, --accounts-file) are audited at once, each account-region inside its own rate budget, into one report; an account that cannot be entered is an error for it alone.
    """  # noqa: E501  (one line per paragraph: the help renderer keeps line breaks)
    # The entry point turns the garbage collector off for short commands (verifier.cli.main);
    # an audit can hold a whole account's functions for minutes, so it gets it back.
    gc.enable()
    written = False
    try:
        check_report_paths(output, sarif_output)
        if security_hub_region is not None:
            check_region(security_hub_region, "--security-hub-region")
        session = session_for(profile)
        flags = AccountFlags(
            organization=organization,
            accounts=tuple(account or ()),
            accounts_file=accounts_file,
            exclude=tuple(exclude_account or ()),
            role_name=role_name,
            external_id=external_id,
            role_session_name=role_session_name,
            session_duration=session_duration,
            all_regions=all_regions,
            shard=shard,
            needs_account=security_hub or fmt is Format.ASFF,
        )
        plan = build_plan(
            trust=list(trust or ()),
            lock=lock,
            regions=list(region or ()),
            environment_region=region_from_environment(session),
            function_prefix=function_prefix,
            job_id=job_id,
            profile_version_arn=profile_version_arn,
            expiry_warning_days=expiry_warning_days,
            cache_dir=cache_dir,
            no_cache=no_cache,
            max_lambda_rps=max_lambda_rps,
            allow_env=list(allow_env or ()),
            allow_container_images=allow_container_images,
            accounts=flags,
            concurrency=concurrency,
        )
        hub_region = security_hub_region or (
            plan.targets.home_region if plan.targets is not None else plan.regions[0]
        )
        result = audit(
            plan,
            session,
            progress=ProgressReporter(sys.stderr),
            max_attempts=max_attempts_from_environment(),
        )
        report = result.report
        options = RenderOptions(
            verbose=verbose,
            expiring=result.expiring,
            warning_days=plan.expiry_warning_days,
            default_location=(
                lock_location(lock, str(lock), None) if lock is not None else Location(plan.source)
            ),
            security_hub_region=hub_region,
        )
        emit(report, fmt, output=output, sarif_output=sarif_output, options=options)
        written = True
        imported = (
            securityhub.import_report(
                report,
                result.sessions,
                region=hub_region,
                scope=plan.scope,
                max_attempts=max_attempts_from_environment(),
            )
            if security_hub
            else None
        )
    except VerifierError as error:
        stderr(f"error: {error.diagnostics()}")
        raise typer.Exit(int(error.exit_code)) from None
    except KeyboardInterrupt:
        if written:
            stderr(
                "error: interrupted during the Security Hub import: the report was written, the "
                "import may be partial (run it again: each finding's Id is stable)"
            )
        else:
            stderr("error: interrupted; nothing more was written (no report, no import)")
        raise typer.Exit(INTERRUPTED) from None
    for cause in audit_causes(report)[:20]:
        stderr(cause)
    if report.shard is not None and result.functions == 0:
        stderr(
            f"shard {report.shard}: no function in its account-regions; whether the organization "
            "has none (an error) is decided by `signed-lambda report merge` over every shard"
        )
    stderr(summary_line(result, plan))
    code = exit_code_for(report)
    if imported is not None:
        for refused in imported.refused[:20]:
            stderr(refused.line())
        stderr(
            f"security hub ({imported.region}): {imported.imported} finding(s) imported into "
            f"{imported.accounts} account(s), {imported.resolved} fixed one(s) archived and "
            f"resolved, {len(imported.refused)} refused"
        )
        if not imported.complete and code is not ExitCode.FAILED:
            code = ExitCode.COLLECTION
    raise typer.Exit(int(code))


def audit_causes(report: Report) -> list[str]:
    """One line per distinct cause of an unrun check, naming the account and Region when the
    report covers several accounts (an account-region that could not be audited is one)."""
    several = len({f.account for f in report.findings if f.account}) > 1
    lines = []
    for finding in report.findings:
        if finding.status is not Status.ERROR:
            continue
        what = finding.actual.removeprefix("not evaluated: ")
        if (
            finding.function == "*"
            and finding.account
            and (several or finding.check_id == FLEET_ACCESS)
        ):
            lines.append(f"could not audit account {finding.account} {finding.region}: {what}")
        elif several:
            lines.append(
                f"could not verify {finding.function} in account {finding.account} "
                f"{finding.region}: {what}"
            )
        else:
            lines.append(f"could not verify {finding.function}: {what}")
    return list(dict.fromkeys(lines))
