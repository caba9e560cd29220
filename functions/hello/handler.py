"""A signed Lambda function: greets the caller, with a helper from the signed layer ``shared``."""

import json

from shared_util import greeting  # from the layer: /opt/python/shared_util.py


def handler(event, context):
    name = (event or {}).get("name", "world")
    return {"statusCode": 200, "body": json.dumps({"message": greeting(name)})}
