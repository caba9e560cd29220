"""The contract between the stack and the verifier, and the trust root.

- :mod:`verifier.contract.manifest`: the stack's ``manifest`` output (what was declared);
- :mod:`verifier.contract.lock`: ``signed-lambda.lock.json``, the reviewed trust anchor;
- :mod:`verifier.contract.arns`: ARN formats and their parts;
- :mod:`verifier.contract.reader`: strict JSON input reading (one line per problem).

Nothing here imports boto3, botocore or jsii: the stack and the verifier both use it.
"""
