"""The local AWS: moto's server extended with AWS code signing, so the signing flow runs offline.

Start it with ``python -m localaws`` (foreground) or ``python -m localaws start`` (background);
see :mod:`localaws.__main__`. It serves HTTPS by default with a private CA
(:mod:`localaws.tls`); clients set ``AWS_ENDPOINT_URL=https://127.0.0.1:4566``,
``AWS_CA_BUNDLE=.local-aws/ca.pem`` and dummy credentials (``start`` prints the exports).

What moto 5.2.5 lacks and this package adds
-------------------------------------------
- Signer: StartSigningJob (signs the source object *version* with a per-profile-version ECDSA
  P-384 key and certificate chain and writes ``prefix + jobId + ".zip"``; format and certificate
  hashes in :mod:`localaws.signing`; a source that is already signed ends the job Failed with a
  statusReason; a source bucket without versioning Enabled is refused), DescribeSigningJob,
  ListSigningJobs (every filter, paged), RevokeSignature, RevokeSigningProfile (per profile
  version; re-revoking only moves ``revocationEffectiveFrom`` earlier), ListSigningProfiles,
  GetSigningPlatform, and GetRevocationStatus (``GET /revocations``: botocore's ``signer-data``
  service, or ``signer`` with ``inject_host_prefix=False``; a plain ``signer`` client prefixes
  the host with ``data-``); GetSigningProfile gains ``revocationRecord``.
- Lambda: Create/Get/Update/Delete/ListCodeSigningConfigs, ListFunctionsByCodeSigningConfig,
  Put/Get/DeleteFunctionCodeSigningConfig, tags on code signing configs, GetLayerVersionByArn,
  and deploy-time validation on CreateFunction, UpdateFunctionCode, UpdateFunctionConfiguration
  (layers) with signing ARNs recorded by PublishLayerVersion (rules in
  :mod:`localaws.awslambda.validation`); ListFunctions (incl. ``FunctionVersion=ALL``) and
  ListVersionsByFunction page with Marker/MaxItems (at most 50 a page, as Lambda).
- CloudFormation: ``AWS::Lambda::CodeSigningConfig``; ``AWS::Lambda::Function`` created and
  updated through the same code-signing validation as the API; a resource that fails ends the
  stack as AWS's does (CREATE_FAILED with the reason, then ``OnFailure``).
- Several accounts: moto already resolves a request's account from its access key, and STS
  AssumeRole's temporary key belongs to the role's account (so GetCallerIdentity and every
  other call act there); AssumeRole now answers AccessDenied unless the role exists and its
  trust policy lets the caller in (:mod:`localaws.sts.trust` says what is evaluated), and
  refuses durations beyond the role's MaxSessionDuration or an hour when chaining roles.
- Organizations: ListAccounts pages as AWS does (:mod:`localaws.organizations.models`); moto's
  CreateAccount already makes each member's OrganizationAccountAccessRole, which gets AWS's
  AdministratorAccess managed policy here.
- Security Hub: BatchImportFindings, GetFindings (filters, sorting, paging) and
  BatchUpdateFindings with the finding lifecycle AWS documents
  (:mod:`localaws.securityhub.models`), ASFF checked against botocore's model.
- ``seed --accounts N``: an organization of N signed fleets
  (:func:`localaws.seed.seed_organization`).
- A function's State and LastUpdateStatus (with reasons) settable from an admin endpoint; while
  an update is held InProgress, updates and PublishVersion get 409 ResourceConflictException.
- Optional IAM enforcement (``--iam``; :mod:`localaws.iam`) for every caller but the admin keys:
  Lambda, Signer and S3 resource ARNs and the condition keys ``lambda:CodeSigningConfigArn``,
  ``lambda:Layer``, ``signer:ProfileVersion``, ``aws:PrincipalArn`` (an assumed role's role ARN).
- Optional AWS-like rate limits and latency (:mod:`localaws.limits`: Lambda's documented quotas,
  chosen Signer defaults) and admin endpoints under ``/_localaws/`` (:mod:`localaws.admin`):
  health, test clock (:mod:`localaws.clock`), limits reset, function status, Signer profile
  purge and certificate revocation, and in-process seeding of a signed fleet
  (:mod:`localaws.seed`). :class:`localaws.testing.LocalAws` wraps
  them for tests.
- One builder of signed worlds (:mod:`localaws.world`: the signing recipe once, over boto3
  clients or, for the seeder, :mod:`localaws.backend_clients` on the backends in-process),
  used by the tests, the benchmarks, the seeder and the conformance kit.

moto behaviours patched, and how (all in :func:`localaws.patches.install`)
--------------------------------------------------------------------------
``tests/localaws/test_moto_contract.py`` pins the moto version and every internal listed here.

1. ``moto.signer.models.signer_backends``, ``moto.awslambda.models.lambda_backends``,
   ``moto.sts.models.sts_backends``, ``moto.organizations.models.organizations_backends`` and
   ``moto.securityhub.models.securityhub_backends`` build our subclasses
   (:class:`~localaws.signer.models.ExtendedSignerBackend`,
   :class:`~localaws.awslambda.models.ExtendedLambdaBackend`,
   :class:`~localaws.sts.models.ExtendedSTSBackend`,
   :class:`~localaws.organizations.models.ExtendedOrganizationsBackend`,
   :class:`~localaws.securityhub.models.ExtendedSecurityHubBackend`) instead of moto's.
   Nothing else is monkey-patched: moto derives a backend's URL map from its class's module
   (``BaseBackend._url_module``), so the subclasses' ``urls`` modules route moto's paths plus the
   new ones to our response classes, whose action lookup is moto's own (botocore's service
   model by method and URI).
2. Within the subclasses, moto behaviours overridden on purpose:
   - GetSigningProfile/CancelSigningProfile raised a bare ``KeyError`` (HTTP 500) for an unknown
     name; they raise ResourceNotFoundException (404). GetSigningProfile ignored
     ``profileOwner``; another account's is AccessDeniedException (no AddProfilePermission).
   - PutSigningProfile on an existing name made a new version (reviving a Canceled name); it is
     refused with ValidationException, as AWS documents. Admin ``signer/purge-profile`` frees a
     Canceled/Revoked name as AWS's retention does; keys and revocations stay per version.
   - moto routes a request to an operation only when every required query parameter is
     present: GetRevocationStatus without ``certificateHashes`` (botocore omits an empty list)
     got a bare 404; it gets the ValidationException of a missing member.
   - GetFunctionCodeSigningConfig returned ``null`` for a function without a config; Lambda
     returns an empty string.
   - CreateFunction/UpdateFunctionCode/PublishLayerVersion ignored ``S3ObjectVersion`` (moto
     reads the latest version); the package bytes are resolved here, validated, and passed to
     moto as ZipFile, so ``CodeSha256`` is base64(SHA-256) of exactly the deployed bytes.
   - CreateFunction copied client-supplied ``SigningJobArn``/``SigningProfileVersionArn`` into
     the function; they are outputs only, set by validation.
   - CreateFunction builds :class:`~localaws.awslambda.models.ExtendedLambdaFunction` (moto's
     ``create_function`` re-implemented, reading ``LambdaStorage``), whose
     ``get_configuration`` reports the settable State/LastUpdateStatus (moto hard-codes
     Active/Successful).
   - PublishVersion: moto's ``copy.copy`` of ``$LATEST`` shared the ``code`` dict, ``layers``
     and environment with the version, so a later UpdateFunctionCode changed the version's
     ``Code.Location``; the version gets its own copies. moto numbered a new version
     ``len(versions) + 1``, reusing a deleted version's number; it is one past the highest ever
     published (``LambdaStorage.publish_version`` re-implemented), and DeleteFunction of a
     version drops it from moto's ARN index.
   - ListFunctions deep-copied every function on each call and never paged; ListFunctions and
     ListVersionsByFunction are served from ``LambdaStorage._functions`` through moto's
     ``@paginate``. UpdateFunctionConfiguration with ``Environment: {}`` raised KeyError (500).
   - Page tokens: moto's paginator raises its own ``InvalidToken`` for a token issued for other
     filters; :mod:`localaws.paging` answers with the service's validation error instead.
   - moto resolved tag ARNs to functions only; code signing config ARNs are added.
   - CreateFunction/UpdateFunctionConfiguration dropped ``FileSystemConfigs``; they are kept
     and reported in every configuration (a file system is a place code can be loaded from).
   - STS AssumeRole let anyone assume any role, even one that does not exist; it is authorized
     against the role's trust policy first (AccessDenied, 403, as AWS answers), by the same
     evaluator as identity and bucket policies (:mod:`localaws.iam.policy`).
   - Organizations ListAccounts paged 100 by default with tokens keyed on ``JoinedTimestamp``
     and answered members with an empty list; it pages 20 (MaxResults 1..20) keyed on ``Id``
     and answers AccessDeniedException / AWSOrganizationsNotInUseException. CreateAccount's
     access role had no permissions; AWS attaches AdministratorAccess to it, and so does
     ``ExtendedOrganizationsBackend.create_account``.
   - Security Hub stored findings by ``Id`` in a list searched per import, validated only
     ``Resources``, merged every update and ignored GetFindings filters; findings are keyed by
     ``ProductArn`` + ``Id`` and follow AWS's import and update rules; BatchUpdateFindings is
     added (``/findings/batchupdate``).
3. CloudFormation: ``moto.cloudformation.models.cloudformation_backends`` builds
   :class:`~localaws.cloudformation.models.ExtendedCloudFormationBackend` (same URL-module
   mechanism): a resource that fails records CREATE_FAILED and ends the stack by ``OnFailure``
   (rollback by default) instead of escaping CreateStack; a failed update ends
   UPDATE_ROLLBACK_FAILED (no rollback here). In moto's cached resource-type map
   (``parsing.get_model_map()``), ``AWS::Lambda::Function`` is
   :class:`~localaws.awslambda.models.ExtendedLambdaFunction` (every CreateFunction property,
   created and updated through the backend's validated calls; a property it would drop fails the
   resource) and ``AWS::Lambda::CodeSigningConfig`` is
   :class:`~localaws.awslambda.models.CodeSigningConfig` (moto had none).
4. S3 bucket policies: moto evaluates them without request context, and a statement whose
   ``Condition`` does not hold comes back DENIED whatever its Effect, so a TLS-only policy
   denied every request. :mod:`localaws.s3_policy` replaces ``FakeBucket.get_permission``: the
   policy is evaluated by :mod:`localaws.iam.policy` with ``aws:SecureTransport`` from the
   request's scheme and the caller's ``aws:PrincipalArn``; a denial is S3's AccessDenied (moto
   answered a bare 403).
5. IAM (``--iam``, :mod:`localaws.iam`): ``ActionAuthenticatorMixin.
   _authenticate_and_authorize_action`` is replaced by one that lets the admin keys through
   unchecked and otherwise calls moto's with a subclass of its ``IAMRequest``/``S3IAMRequest``
   (moto's authentication and signature check kept) whose ``check_action_permitted`` evaluates
   the AWS resources and condition keys of :mod:`localaws.iam.requests` (moto matched
   ``Action`` only and treated an unmet ``Condition`` as a denial) and whose
   ``_create_aws_request`` signs the body alone (moto signed the request *headers* for a request
   with neither query nor body: every restJson GET failed SignatureDoesNotMatch).
   moto's own trust check (``_check_role_trust_relationship``) is not called: STS AssumeRole
   checks the trust policy for every caller (item 2). ``S3Response._key_response`` authorizes an
   object request before moto's own bucket-policy check. ``--iam`` sets
   ``settings.INITIAL_NO_AUTH_ACTION_COUNT = 0`` (moto's own switch). Signer's StartSigningJob
   reads and writes S3 as the caller (job Failed when denied).
6. S3 ListObjectVersions: moto deep-copied every version of every key in the bucket (bytes
   included, kept alive by moto's instance tracking) on each call; :mod:`localaws.s3_listing`
   lists with read-through wrappers instead (same answers and paging, tested against moto's),
   and reads moto's module list, which moto re-read from disk to route every request, once.
7. Rate limits (:mod:`localaws.limits`) are kept per account and Region, the account resolved
   from the access key with moto's own ``get_account_id_from``.
8. The WSGI app is moto's ``DomainDispatcherApplication`` wrapped in our admin, limits and
   serializing middleware (one lock around moto; admin endpoints that change state take the same
   lock) and served by werkzeug's threaded server (as ``ThreadedMotoServer`` does).

Nothing needs Docker: functions are created and validated, never invoked.
"""
