"""A signed Lambda function: greets the caller."""

import json


def handler(event, context):
    name = (event or {}).get("name", "world")
    return {"statusCode": 200, "body": json.dumps({"message": f"hello, {name}"})}
