"""The load_demo command and the builder's determinism: each test here needs a build of its
own (or a failed one), so they stay apart from test_builder.py's shared city."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from xinghuo.accounts import services as account_services
from xinghuo.accounts.models import Membership, Organization, User
from xinghuo.core.exceptions import Conflict
from xinghuo.demo.builder import (
    DEMO_PASSWORD,
    DEMO_WORKER_PHONE,
    OM_OWNER_PHONE,
    OPERATOR_PHONE,
    TOWER_OWNER_PHONE,
    build_demo,
)
from xinghuo.regions.models import Grid, Region, Site
from xinghuo.workforce.models import RoleChangeRequest, Team, Worker


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    # Seventy Argon2 hashes per build would make every test here take seconds; the hasher
    # is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def fingerprint() -> dict[str, Any]:
    """Everything the seed decides, in a form that does not depend on row ids."""
    return {
        "orgs": sorted(Organization.objects.values_list("name", "credit_code", "status")),
        "grids": sorted(Grid.objects.values_list("code", "name", "region__code")),
        "sites": sorted(
            Site.objects.values_list(
                "code", "name", "kind", "lat", "lng", "grid__code", "organization__credit_code"
            )
        ),
        "workers": sorted(
            (
                w.user.phone,
                w.user.name,
                w.role.code,
                w.status,
                w.last_lat,
                w.last_lng,
                tuple(sorted(w.regions.values_list("code", flat=True))),
                tuple(sorted(w.grids.values_list("code", flat=True))),
                tuple(
                    sorted(w.worker_skills.values_list("skill__code", "valid_from", "valid_until"))
                ),
                w.team.name if w.team else None,
            )
            for w in Worker.objects.select_related("user", "role", "team")
        ),
        "role_changes": sorted(
            RoleChangeRequest.objects.values_list("worker__user__phone", "to_role__code", "status")
        ),
    }


class _Rollback(Exception):
    pass


def build_and_forget() -> dict[str, Any]:
    """Build in a savepoint, fingerprint, roll the savepoint back: the next build starts empty."""
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            build_demo()
            result = fingerprint()
            raise _Rollback
    except _Rollback:
        pass
    assert not User.objects.exists()
    return result


# --- the command -------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_demo_builds_the_city_and_prints_the_logins() -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)

    assert Counter(Region.objects.values_list("level", flat=True)) == {1: 1, 2: 1, 3: 4, 4: 7}
    assert Grid.objects.count() == 10
    assert Site.objects.count() == 40
    assert Organization.objects.count() == 3  # two employers and one waiting for verification
    assert Membership.objects.count() == 11
    assert User.objects.count() == 72  # operator + 2 × 5 employer staff + applicant + 60 workers
    assert Worker.objects.count() == 60
    assert Team.objects.count() == 2
    assert RoleChangeRequest.objects.filter(status="pending").count() == 2
    text = out.getvalue()
    for phone in (OPERATOR_PHONE, TOWER_OWNER_PHONE, OM_OWNER_PHONE, DEMO_WORKER_PHONE):
        assert phone in text
    assert DEMO_PASSWORD in text
    assert "sites 40" in text


@pytest.mark.django_db
def test_load_demo_refuses_a_database_with_users() -> None:
    account_services.user_create(phone="13700000009", password=DEMO_PASSWORD, name="已有用户")

    with pytest.raises(CommandError, match="already has users"):
        call_command("load_demo", stdout=StringIO())

    assert User.objects.count() == 1
    assert not Region.objects.exists()


@pytest.mark.django_db
def test_load_demo_if_empty_does_nothing_on_a_database_with_users() -> None:
    account_services.user_create(phone="13700000009", password=DEMO_PASSWORD, name="已有用户")
    out = StringIO()

    call_command("load_demo", "--if-empty", stdout=out)

    assert "not loaded" in out.getvalue()
    assert User.objects.count() == 1
    assert not Region.objects.exists()
    assert not Worker.objects.exists()


@pytest.mark.django_db
def test_load_demo_if_empty_builds_on_an_empty_database() -> None:
    call_command("load_demo", "--if-empty", stdout=StringIO())

    assert Site.objects.count() == 40


@pytest.mark.django_db
def test_a_failed_build_leaves_nothing_behind() -> None:
    # A region code the demo needs is taken (by a region without users, so the command
    # does not refuse up front): the build fails half-way and must roll back whole.
    Region.objects.create(code="330102-02", name="占位", level=1)

    with pytest.raises(Conflict):
        call_command("load_demo", stdout=StringIO())

    assert not User.objects.exists()
    assert list(Region.objects.values_list("code", flat=True)) == ["330102-02"]


# --- determinism -------------------------------------------------------------------------


@pytest.mark.django_db
def test_two_builds_give_the_same_city() -> None:
    first = build_and_forget()
    second = build_and_forget()

    assert first["sites"] and first["workers"]
    assert first == second
