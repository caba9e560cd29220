"""CDKTF stacks for signed Lambda deployments.

Every CDK toolkit and AWS provider import goes through :mod:`stacks.cdk`, which selects CDK for
Terraform (``cdktf``, the default) or CDK Terrain (``cdktn``, its maintained continuation) by
``SIGNED_LAMBDA_CDK``.
"""
