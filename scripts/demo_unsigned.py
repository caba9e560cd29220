"""Demo step: try to deploy an unsigned package to an Enforce-protected function.

Usage: python scripts/demo_unsigned.py OUTPUTS_FILE STACK. Exits 0 when Lambda rejects the
package (the expected outcome), 1 when it is accepted.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile

import boto3
from botocore.exceptions import ClientError


def unsigned_package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 'not signed'\n")
    return buffer.getvalue()


def main(outputs_file: str, stack: str) -> int:
    with open(outputs_file, encoding="utf-8") as handle:
        manifest = json.load(handle)[stack]["manifest"]
    function_name = next(iter(manifest["functions"].values()))["function_name"]
    client = boto3.client("lambda")
    try:
        client.update_function_code(FunctionName=function_name, ZipFile=unsigned_package())
    except ClientError as error:
        code = error.response["Error"]["Code"]
        print(f"rejected, as it must be: UpdateFunctionCode({function_name}) -> {code}")
        print(f"  {error.response['Error'].get('Message', '')}")
        return 0
    print(f"ACCEPTED: {function_name} took an unsigned package; the CSC is not enforcing")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
