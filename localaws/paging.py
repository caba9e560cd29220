"""Paging with moto's paginator, and its token errors in each service's own error shape.

moto's ``@paginate`` raises the model's ``fail_on_invalid_token`` exception for a token it cannot
decode, but its own ``InvalidToken`` (error code ``InvalidToken``, unknown to botocore's models)
when a token was issued for other filters or points at an item that is gone. AWS answers both
with the service's validation error; :func:`service_token_errors` translates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from moto.core.exceptions import InvalidToken


@contextmanager
def service_token_errors(
    error: Callable[[str | None], Exception], token: str | None
) -> Iterator[None]:
    try:
        yield
    except InvalidToken:
        raise error(token) from None
