"""Fixtures of the settlement tests: media in a temporary folder (identity stores the card
photo) and `verified_identity(worker)`, an approved identity as binding an account needs."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from xinghuo.accounts.models import User
from xinghuo.workforce.models import Worker

from .identities import approve_identity


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def verified_identity(operator: User) -> Callable[..., Worker]:
    """verified_identity(worker, name=None): his identity approved by an operator under
    `name` (his user's name by default); a worker verified already is left as he is."""
    seq = itertools.count(1)

    def verify(worker: Worker, *, name: str | None = None) -> Worker:
        approve_identity(worker, reviewer=operator, seq=next(seq), name=name)
        return worker

    return verify
