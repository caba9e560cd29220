"""A signed Lambda function: records what it was asked to audit."""

import json
import os


def handler(event, context):
    level = os.environ.get("AUDIT_LEVEL", "standard")
    return {"statusCode": 200, "body": json.dumps({"audited": event or {}, "level": level})}
