"""A signed Lambda function with a hash-pinned dependency (tabulate, from requirements.txt):
renders the event as a table."""

import json

from tabulate import tabulate  # installed into the package at synth, for this runtime


def handler(event, context):
    rows = sorted((event or {}).items())
    return {
        "statusCode": 200,
        "body": json.dumps({"table": tabulate(rows, headers=["key", "value"])}),
    }
