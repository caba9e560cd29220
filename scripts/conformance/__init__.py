"""``make conformance``: record, in a real AWS sandbox account, what the verifier assumes.

Usage: python scripts/conformance --yes-create-resources [--keep] [--output FILE]
       (or SIGNED_LAMBDA_CONFORMANCE=1 instead of --yes-create-resources)

The verifier and the local AWS rest on facts about AWS that no offline test can prove, above
all that Lambda's ``CodeSha256`` is base64(SHA-256) of the signed object's bytes. This script
runs the signing recipe once in the account and region of the standard AWS environment
(AWS_PROFILE / AWS_REGION / AWS_ENDPOINT_URL, through boto3) and records what it saw:

1. creates, with names unique to this run: a versioned S3 bucket, an IAM role for Lambda (logs
   only), a Signer profile (AWSLambda-SHA384-ECDSA) and a code signing config (Enforce) that
   allows exactly that profile version;
2. uploads a tiny deterministic function zip and layer zip, signs each object *version* with a
   signing job and waits for it (bounded), publishes the layer from its signed object and
   creates the function from its signed object under the CSC, with the layer; publishes one
   version;
3. reads everything back and records one item per assumption (``holds`` true, false, or null
   with a reason when it could not be observed) into build/conformance.json, written
   atomically, with a short summary on stderr;
4. deletes everything it created, always (also on failures and Ctrl-C), in dependency order;
   ``--keep`` leaves it all for inspection and prints what to delete.

Exit codes: 0 recorded, every assumption held; 1 recorded, some assumption did not hold or
could not be observed; 2 usage, opt-in or credentials problem (one line, nothing created);
3 an AWS error stopped the run (the record, with the error, is still written); 130 interrupted
(cleanup still runs; a second Ctrl-C during cleanup is ignored).
A failed cleanup step is reported on one line each and turns an exit code of 0 or 1 into 3.

Against the local AWS (tests/scripts/test_conformance.py): AWS_ENDPOINT_URL, AWS_CA_BUNDLE and
dummy credentials. Nothing here has a "local" branch; real-AWS-only waits (IAM propagation,
function state) simply end at once there.

Modules: :mod:`.recipe` (the only one that calls AWS: create, sign and deploy through the
signed-world builder :mod:`localaws.world`, which records what it created so cleanup can undo
it in reverse order; read back) -> :mod:`.evidence` (what was observed) -> :mod:`.items` (pure
judges, one per assumption) -> :mod:`.record` (the JSON document and the exit code);
:mod:`.cli` wires them and is the only place an error becomes an exit code.
"""
