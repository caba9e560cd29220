"""Helpers shared by the functions, shipped as the signed layer ``shared``.

Lambda unpacks a layer under ``/opt``; for Python runtimes ``/opt/python`` is on ``sys.path``.
"""


def greeting(name: str) -> str:
    return f"hello, {name}"
