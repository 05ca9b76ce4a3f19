"""Transaction boundaries for services.

A money service that pages, the API and tasks call is the outermost transaction: its rows
commit, or none do, and nobody's half-finished transaction can roll it back later. Django
says so with ``atomic(durable=True)`` (it raises when nested). Some of these services are
also a step of a larger action (a workflow settles an order inside its own transaction, the
demo builds its city in one); those call the same function's ``nested`` form, an ordinary
``atomic`` block that joins the caller's transaction::

    @durable
    def payout_request(*, worker: Worker, amount_fen: int) -> Payout: ...

    payout_request(worker=w, amount_fen=100)          # a page: its own transaction
    payout_request.nested(worker=w, amount_fen=100)   # inside another service's
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")


class DurableService(Generic[P, R]):
    """A service callable as the outermost transaction (durable) or `nested` in another."""

    def __init__(self, func: Callable[P, R]) -> None:
        functools.update_wrapper(self, func)
        self._durable: Callable[P, R] = transaction.atomic(durable=True)(func)
        self.nested: Callable[P, R] = transaction.atomic(func)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._durable(*args, **kwargs)


def durable(func: Callable[P, R]) -> DurableService[P, R]:
    """Make `func` a durable entry point; `func.nested` runs it inside a caller's transaction."""
    return DurableService(func)
