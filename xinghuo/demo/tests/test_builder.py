from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from itertools import combinations
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from PIL import Image
from shapely.geometry import Point, shape
from stdnum.cn import uscc

from xinghuo.accounts import services as account_services
from xinghuo.accounts.models import Membership, Organization, User
from xinghuo.demo.builder import (
    APPLICANT_OWNER_PHONE,
    DEMO_WORKER_PHONE,
    OM_OWNER_PHONE,
    OPERATOR_PHONE,
    ROLE_MIX,
    TOWER_OWNER_PHONE,
    DemoSummary,
    build_demo,
)
from xinghuo.identity.selectors import employer as employer_verification_selectors
from xinghuo.identity.services import employer as employer_verification_services
from xinghuo.regions.models import Grid, Region, Site
from xinghuo.workforce.models import RoleChangeRequest, Team, Worker, WorkerSkill

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    # Seventy Argon2 hashes per build would make every test here take seconds; the hasher
    # is not what these tests are about.
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(scope="module")
def demo_city(
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[DemoSummary]:
    """The demo city, built once for this module's tests (a build takes 15-40 s).

    Built inside a transaction that is rolled back when the module ends; every test runs in
    a savepoint of its own on top of it (pytest-django's ``db``), so what one test writes
    does not reach the next. Settings as the function-scoped fixtures set them.
    """
    root = tmp_path_factory.getbasetemp()
    with override_settings(
        PASSWORD_HASHERS=FAST_HASHERS,
        MEDIA_ROOT=str(root / "media"),
        CONTRACTS_SIGNING_DIR=str(root / "contracts-signing"),
    ):
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            try:
                summary = build_demo()
            except BaseException:
                outer.__exit__(None, None, None)
                raise
        try:
            yield summary
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_city: DemoSummary, db: None) -> DemoSummary:
    return demo_city


# --- determinism -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_seed_gives_these_facts(demo: DemoSummary) -> None:
    # Pinned so that a change in draw order (or hash-order dependence between processes)
    # shows up; update deliberately when the builder changes.
    tower = Organization.objects.get(memberships__user__phone=TOWER_OWNER_PHONE)
    first_site = Site.objects.order_by("code").first()
    second_worker = (
        Worker.objects.exclude(user__phone=DEMO_WORKER_PHONE).order_by("pk").select_related("user")
    ).first()
    assert first_site is not None and second_worker is not None
    assert (tower.credit_code, first_site.code, first_site.lat, first_site.lng) == PINNED_SITE
    assert (second_worker.user.phone, second_worker.user.name) == PINNED_WORKER


PINNED_SITE = ("91330100049514862L", "HZ-BJ-0035", 30.214892, 120.194005)
PINNED_WORKER = ("13980074013", "林子豪")


# --- geography ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_districts_lie_in_the_city_and_do_not_overlap(demo: DemoSummary) -> None:
    city = shape(Region.objects.get(code="330100").boundary)
    districts = {r.code: shape(r.boundary) for r in Region.objects.filter(level=3)}

    assert set(districts) == {"330102", "330105", "330106", "330108"}
    assert all(city.covers(d) for d in districts.values())
    for a, b in combinations(districts.values(), 2):
        assert a.intersection(b).area == 0


@pytest.mark.django_db
def test_grids_lie_in_maintenance_areas_and_do_not_overlap(demo: DemoSummary) -> None:
    grids = list(Grid.objects.select_related("region"))

    for grid in grids:
        assert grid.region.level == Region.Level.AREA
        assert shape(grid.region.boundary).covers(shape(grid.polygon))
    for a, b in combinations(grids, 2):
        assert shape(a.polygon).intersection(shape(b.polygon)).area == 0
    per_district = Counter(g.region.parent.code for g in grids if g.region.parent)
    assert all(2 <= n <= 3 for n in per_district.values())


@pytest.mark.django_db
def test_every_site_is_resolved_to_the_grid_that_covers_it(demo: DemoSummary) -> None:
    sites = list(Site.objects.select_related("grid", "region"))

    assert len(sites) == 40
    for site in sites:
        assert site.grid is not None
        assert site.region == site.grid.region
        assert shape(site.grid.polygon).covers(Point(site.lng, site.lat))
    by_org = Counter(s.organization_id for s in sites)
    assert sorted(by_org.values()) == [20, 20]


# --- organizations and logins ------------------------------------------------------------


@pytest.mark.django_db
def test_employers_have_valid_credit_codes_and_a_full_staff(demo: DemoSummary) -> None:
    employers = list(Organization.objects.exclude(memberships__user__phone=APPLICANT_OWNER_PHONE))

    assert len(employers) == 2
    for org in employers:
        assert uscc.is_valid(org.credit_code)
        roles = sorted(org.memberships.values_list("role", flat=True))
        assert roles == sorted(Membership.Role.values)


@pytest.mark.django_db
def test_employers_publishing_orders_are_verified_and_one_waits_for_review(
    demo: DemoSummary,
) -> None:
    statuses = {
        o.memberships.get(role="owner").user.phone: o.status for o in Organization.objects.all()
    }
    assert statuses == {
        TOWER_OWNER_PHONE: "verified",
        OM_OWNER_PHONE: "verified",
        APPLICANT_OWNER_PHONE: "pending",
    }
    for phone, status in statuses.items():
        org = Organization.objects.get(memberships__user__phone=phone)
        assert employer_verification_selectors.organization_is_verified(organization=org) == (
            status == "verified"
        )
        if status == "pending":
            assert not org.sites.exists()
    operator = User.objects.get(phone=OPERATOR_PHONE)
    queue = list(
        employer_verification_selectors.employer_verification_review_list(reviewer=operator)
    )
    assert [v.organization.memberships.get().user.phone for v in queue] == [APPLICANT_OWNER_PHONE]
    licence, content_type = employer_verification_services.employer_licence_reveal(
        reviewer=operator, verification_id=queue[0].pk, reason="demo test"
    )
    assert content_type == "image/png"
    assert Image.open(io.BytesIO(licence)).size == (1000, 700)


@pytest.mark.django_db
def test_every_demo_login_authenticates(demo: DemoSummary) -> None:
    assert [login.phone for login in demo.logins] == [
        OPERATOR_PHONE,
        TOWER_OWNER_PHONE,
        OM_OWNER_PHONE,
        APPLICANT_OWNER_PHONE,
        DEMO_WORKER_PHONE,
    ]
    for login in demo.logins:
        user = account_services.user_authenticate(phone=login.phone, password=login.password)
        assert user.phone == login.phone

    operator = User.objects.get(phone=OPERATOR_PHONE)
    assert operator.is_staff and operator.is_superuser
    for phone in (TOWER_OWNER_PHONE, OM_OWNER_PHONE):
        assert Membership.objects.get(user__phone=phone).role == Membership.Role.OWNER
    assert not User.objects.filter(is_superuser=True).exclude(phone=OPERATOR_PHONE).exists()


@pytest.mark.django_db
def test_demo_worker_is_a_ready_daily_maintenance_worker(demo: DemoSummary) -> None:
    worker = Worker.objects.get(user__phone=DEMO_WORKER_PHONE)
    today = timezone.localdate()

    assert worker.role.code == "daily_maintenance"
    assert worker.status == Worker.Status.AVAILABLE
    assert list(worker.regions.values_list("code", flat=True)) == ["330106"]
    assert worker.grids.count() == 1
    assert worker.last_lat is not None and worker.last_lng is not None
    for ws in worker.worker_skills.select_related("skill"):
        if ws.skill.requires_certification:
            assert ws.valid_from is not None and ws.valid_until is not None
            assert ws.valid_from <= today <= ws.valid_until


# --- workers -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_workers_are_spread_over_the_roles_with_consistent_skills(demo: DemoSummary) -> None:
    workers = list(Worker.objects.select_related("role", "user").prefetch_related("skills"))

    assert Counter(w.role.code for w in workers) == dict(ROLE_MIX)
    assert len({w.user.phone for w in workers}) == 60
    assert all(w.user.phone.startswith("139") for w in workers)
    for worker in workers:
        codes = {s.code for s in worker.skills.all()}
        assert 2 <= len(codes) <= 4
        if worker.role.code == "power_generation":
            assert {"generator", "power_operation"} <= codes


@pytest.mark.django_db
def test_workers_serve_one_or_two_districts_and_only_their_grids(demo: DemoSummary) -> None:
    for worker in Worker.objects.prefetch_related("regions", "grids__region"):
        districts = {r.pk for r in worker.regions.all()}
        assert 1 <= len(districts) <= 2
        assert all(r.level == Region.Level.DISTRICT for r in worker.regions.all())
        assert all(g.region.parent_id in districts for g in worker.grids.all())
    assert Worker.objects.filter(grids__isnull=False).distinct().count() > 0


@pytest.mark.django_db
def test_available_workers_report_a_position_in_a_district_they_serve(
    demo: DemoSummary,
) -> None:
    statuses = Counter(Worker.objects.values_list("status", flat=True))
    assert set(statuses) == set(Worker.Status.values)

    for worker in Worker.objects.filter(status=Worker.Status.AVAILABLE):
        point = Point(worker.last_lng, worker.last_lat)
        assert any(shape(r.boundary).covers(point) for r in worker.regions.all())
    # Others have a position only from the demo orders they worked on.
    positioned = Worker.objects.exclude(status=Worker.Status.AVAILABLE).filter(
        last_lat__isnull=False
    )
    assert not positioned.filter(work_orders__isnull=True)


@pytest.mark.django_db
def test_certified_skills_have_dates_and_some_have_expired(demo: DemoSummary) -> None:
    today = timezone.localdate()
    certified = WorkerSkill.objects.filter(skill__requires_certification=True)
    uncertified = WorkerSkill.objects.filter(skill__requires_certification=False)

    assert not uncertified.filter(valid_until__isnull=False).exists()
    assert certified.filter(valid_until__lt=today).exists()  # expired
    assert certified.filter(valid_from__lte=today, valid_until__gte=today).count() > (
        certified.count() // 2
    )


@pytest.mark.django_db
def test_teams_and_role_change_requests(demo: DemoSummary) -> None:
    for team in Team.objects.all():
        members = list(team.members.all())
        assert team.leader in members
        assert len(members) == 4
    for request in RoleChangeRequest.objects.select_related("worker"):
        assert request.status == RoleChangeRequest.Status.PENDING
        assert request.from_role_id == request.worker.role_id != request.to_role_id


# --- money -------------------------------------------------------------------------------


def test_demo_escrow_came_from_the_bank_and_a_declared_top_up_waits(demo: DemoSummary) -> None:
    import io

    from xinghuo.settlement.models import BankTransaction, TopUpDeclaration

    out = io.StringIO()
    call_command("verify_ledger", stdout=out)  # every escrow credit has a bank transaction
    assert "ledger sound" in out.getvalue()
    waiting = TopUpDeclaration.objects.get()
    assert (waiting.status, waiting.amount_fen) == ("declared", 5_000_000)
    assert BankTransaction.objects.filter(transfer__isnull=True).count() == 1


@pytest.mark.django_db
def test_demo_worker_has_an_offer_and_a_team_invitation_waiting(demo: DemoSummary) -> None:
    from xinghuo.dispatch import selectors as dispatch_selectors
    from xinghuo.identity.selectors import employer as selectors_employer
    from xinghuo.workforce import selectors as workforce_selectors

    worker = Worker.objects.get(user__phone=DEMO_WORKER_PHONE)
    (offer,) = dispatch_selectors.assignment_offers_for_worker(worker=worker, pending_only=True)
    assert offer.order.status == "published"
    assert selectors_employer.organization_is_verified(organization=offer.organization)
    (invitation,) = workforce_selectors.team_invitations_for_worker(worker=worker)
    assert invitation.team.leader != worker
