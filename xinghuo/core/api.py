"""Types and helpers shared by every app's API: bounded integers and the one pagination.

An integer the database cannot hold (PostgreSQL and SQLite both stop at 2^63 - 1) must be
refused as a validation error (422) before it reaches a query, not fail inside it (500).
Declaring the bounds in the types puts them in the OpenAPI schema too.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from ninja import Field, NinjaAPI, Schema
from ninja.conf import settings as ninja_settings
from ninja.openapi.schema import OpenAPISchema
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


class ErrorOut(Schema):
    """Every 4xx answer: a stable machine-readable code, a message for people (in the
    request's language) and optional detail (e.g. the invalid fields)."""

    code: str
    message: str
    detail: dict[str, Any]


# The error answers any operation may give, and when.
ERROR_RESPONSES = {
    400: "The body is not valid JSON, or the request cannot be carried out as asked",
    401: "No valid token or session (or, for a webhook, a bad signature)",
    403: "Authenticated, but not allowed to do this",
    404: "Not found, or not visible to the caller (the same answer for both)",
    409: "Conflicts with the current state (e.g. the order was taken or changed)",
    413: "The request body is too large",
    422: "A field is missing, has the wrong type, is out of bounds or too long, or "
    "contains a NUL character",
    429: "Too many requests: wait and try again",
}


class XinghuoAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI documents the error answers of every operation."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Error"] = ErrorOut.model_json_schema()
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_RESPONSES.items():
                    responses.setdefault(status, {"description": description, "content": error})
        return schema


def parse_id(raw: str | None) -> int | None:
    """A primary key typed into a page's query string or form field: ASCII digits below
    2^63, else None. (`str.isdigit` also accepts "²" and other digits `int` refuses.)"""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    value = int(raw)
    return value if value >= 1 else None


def is_id(raw: str | None) -> bool:
    """Whether `raw` is an id `parse_id` accepts (then `int(raw)` is safe)."""
    return parse_id(raw) is not None


class IdConverter:
    """``<id:…>`` in a page's URL: a primary key of at most 18 digits (below 2^63), so that a
    longer one is simply not found (404) instead of overflowing the database query (500)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
