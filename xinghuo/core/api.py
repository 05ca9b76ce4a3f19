"""Types and helpers shared by every app's API: bounded integers and the one pagination.

An integer the database cannot hold (PostgreSQL and SQLite both stop at 2^63 - 1) must be
refused as a validation error (422) before it reaches a query, not fail inside it (500).
Declaring the bounds in the types puts them in the OpenAPI schema too.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination, PaginationBase
from ninja.pagination import paginate as ninja_paginate

# The largest value of a signed 64-bit column (BigAutoField, BigIntegerField).
MAX_BIGINT = 2**63 - 1
# The largest offset a list accepts: far beyond any list, well inside every integer type.
MAX_OFFSET = 2**31 - 1

# A primary key in a path, query or body.
Id = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
# How many items to return from a list that is not paginated by offset.
Limit = Annotated[int, Field(ge=1, le=ninja_settings.PAGINATION_MAX_LIMIT)]
F = TypeVar("F", bound=Callable[..., Any])

# A calendar year.
Year = Annotated[int, Field(ge=1900, le=9999)]


class Pagination(LimitOffsetPagination):
    """limit/offset pagination with both bounds declared (limit ≤ NINJA_PAGINATION_MAX_LIMIT)."""

    class Input(Schema):
        limit: int = Field(
            ninja_settings.PAGINATION_PER_PAGE, ge=1, le=ninja_settings.PAGINATION_MAX_LIMIT
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


def paginate(pagination_class: type[PaginationBase] = Pagination) -> Callable[[F], F]:
    """ninja's @paginate for a view whose module uses ``from __future__ import annotations``.

    ninja reads the parameters' types through its wrapper, whose globals are ninja's own:
    a name imported into the view's module (``Id``) would stay an unresolved string. So
    the annotations are resolved here, in the view's module, first.
    """

    def decorator(func: F) -> F:
        func.__annotations__ = typing.get_type_hints(func, include_extras=True)
        return cast(F, ninja_paginate(pagination_class)(func))

    return decorator
