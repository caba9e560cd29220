"""The local AWS: moto's server extended with AWS code signing, so the signing flow runs offline.

Start it with ``python -m localaws`` (foreground) or ``python -m localaws start`` (background);
see :mod:`localaws.__main__`. It serves HTTPS by default with a private CA
(:mod:`localaws.tls`); clients set ``AWS_ENDPOINT_URL=https://127.0.0.1:4566``,
``AWS_CA_BUNDLE=.local-aws/ca.pem`` and dummy credentials (``start`` prints the exports).

What moto 5.2.5 lacks and this package adds
-------------------------------------------
- Signer: StartSigningJob (signs the source object *version* with a per-profile-version ECDSA
  P-384 key and writes ``prefix + jobId + ".zip"``; format in :mod:`localaws.signing`),
  DescribeSigningJob, ListSigningJobs, RevokeSignature, RevokeSigningProfile,
  ListSigningProfiles, GetSigningPlatform; GetSigningProfile gains ``revocationRecord``.
- Lambda: Create/Get/Update/Delete/ListCodeSigningConfigs, ListFunctionsByCodeSigningConfig,
  Put/Get/DeleteFunctionCodeSigningConfig, tags on code signing configs, and deploy-time
  validation on CreateFunction, UpdateFunctionCode, UpdateFunctionConfiguration (layers) with
  signing ARNs recorded by PublishLayerVersion (rules in :mod:`localaws.awslambda.validation`).
- Optional AWS-like rate limits and latency (:mod:`localaws.limits`) and admin endpoints under
  ``/_localaws/`` for readiness and a test clock (:mod:`localaws.admin`, :mod:`localaws.clock`).

moto behaviours patched, and how (all in :func:`localaws.patches.install`)
--------------------------------------------------------------------------
1. ``moto.signer.models.signer_backends`` and ``moto.awslambda.models.lambda_backends`` build
   our subclasses (:class:`~localaws.signer.models.ExtendedSignerBackend`,
   :class:`~localaws.awslambda.models.ExtendedLambdaBackend`) instead of moto's. Nothing else is
   monkey-patched: moto derives a backend's URL map from its class's module, so the subclasses'
   ``urls`` modules route moto's paths plus the new ones to our response classes, whose action
   lookup is moto's own (botocore's service model by method and URI).
2. Within the subclasses, moto behaviours overridden on purpose:
   - GetSigningProfile/CancelSigningProfile raised a bare ``KeyError`` (HTTP 500) for an unknown
     name; they raise ResourceNotFoundException (404).
   - GetFunctionCodeSigningConfig returned ``null`` for a function without a config; Lambda
     returns an empty string.
   - CreateFunction/UpdateFunctionCode/PublishLayerVersion ignored ``S3ObjectVersion`` (moto
     reads the latest version); the package bytes are resolved here, validated, and passed to
     moto as ZipFile, so ``CodeSha256`` is base64(SHA-256) of exactly the deployed bytes.
   - CreateFunction copied client-supplied ``SigningJobArn``/``SigningProfileVersionArn`` into
     the function; they are outputs only, set by validation.
   - moto resolved tag ARNs to functions only; code signing config ARNs are added.
3. S3 bucket policies: moto evaluates them without request context, and a statement whose
   ``Condition`` does not hold comes back DENIED whatever its Effect, so a TLS-only policy
   denied every request. :mod:`localaws.s3_policy` evaluates ``aws:SecureTransport`` against
   the actual request scheme first (``FakeBucket.get_permission`` is replaced).
4. The WSGI app is moto's ``DomainDispatcherApplication`` wrapped in our admin and limits
   middleware and served by werkzeug's threaded server (as ``ThreadedMotoServer`` does).

Nothing needs Docker: functions are created and validated, never invoked.
"""
