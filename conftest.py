"""Fixtures shared by every test: users made through the services, an API client,
and a small region tree (Hangzhou, Xihu district with two grids)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings
from stdnum.cn import uscc

from xinghuo.accounts import services as account_services
from xinghuo.accounts.models import Organization, User
from xinghuo.regions import services as region_services
from xinghuo.regions.models import Grid, Region
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Worker

PASSWORD = "Xinghuo@2026"

# The browser fixtures (one Chromium per session, a page per test) serve the browser tests
# that live next to their app's pages (xinghuo/<app>/tests/test_browser_*.py).
pytest_plugins = ["tests.browser.fixtures"]

# Timing belongs in benchmarks: on a loaded 2-core CI machine a per-example deadline
# only makes property tests flaky.
hypothesis_settings.register_profile("xinghuo", deadline=None, print_blob=True)
hypothesis_settings.load_profile("xinghuo")


def rect(min_lng: float, min_lat: float, max_lng: float, max_lat: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [min_lng, min_lat],
                [max_lng, min_lat],
                [max_lng, max_lat],
                [min_lng, max_lat],
                [min_lng, min_lat],
            ]
        ],
    }


def credit_code(n: int) -> str:
    """A valid unified social credit code, different for every n."""
    body = f"91330100MA{n:07d}"
    return body + uscc.calc_check_digit(body)


class ApiClient:
    """Calls /api/v1/ with JSON and, when given, a bearer token."""

    def __init__(self, token: str | None = None, language: str | None = None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if language:
            self.headers["Accept-Language"] = language

    def _call(self, method: str, path: str, data: Any = None, **extra: Any) -> Any:
        url = "/api/v1" + path
        fn = getattr(self.client, method)
        if method in ("get", "delete"):
            return fn(url, data, headers=self.headers, **extra)
        return fn(
            url,
            json.dumps(data if data is not None else {}),
            content_type="application/json",
            headers=self.headers,
            **extra,
        )

    def get(self, path: str, params: dict[str, Any] | None = None, **extra: Any) -> Any:
        return self._call("get", path, params, **extra)

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._call("post", path, data, **extra)

    def put(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._call("put", path, data, **extra)

    def delete(self, path: str, **extra: Any) -> Any:
        return self._call("delete", path, **extra)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Login throttling lives in the cache; tests must not leak failures into each other.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api() -> Callable[..., ApiClient]:
    def make(user: User | None = None, language: str | None = None) -> ApiClient:
        token = account_services.api_token_issue(user=user).raw if user else None
        return ApiClient(token, language=language)

    return make


@pytest.fixture
def make_worker(db: None) -> Callable[..., Worker]:
    counter = iter(range(10_000))

    def make(*, phone: str | None = None, name: str = "李四", role_id: int | None = None) -> Worker:
        return workforce_services.worker_register(
            phone=phone or f"139{next(counter):08d}", password=PASSWORD, name=name, role_id=role_id
        )

    return make


@pytest.fixture
def make_employer(db: None) -> Callable[..., tuple[User, Organization]]:
    counter = iter(range(1, 10_000))

    reviewers: list[User] = []

    def make(
        *, name: str = "测试运维有限公司", escrow_fen: int = 10_000_000, verified: bool = True
    ) -> tuple[User, Organization]:
        """An employer with its owner; its escrow holds `escrow_fen` (100,000 yuan) and,
        unless `verified=False`, its employer verification (企业认证) is approved by an
        operator of the fixture's own, so that paid orders can be published."""
        import io

        from PIL import Image

        from xinghuo.identity.services import employer as services_employer
        from xinghuo.settlement import services as settlement_services

        n = next(counter)
        owner, org = account_services.employer_register(
            phone=f"137{n:08d}",
            password=PASSWORD,
            name=f"雇主{n}",
            organization_name=f"{name}{n}",
            credit_code=credit_code(n),
        )
        if verified:
            if not reviewers:
                reviewers.append(
                    account_services.user_create(
                        phone="13800090000", password=PASSWORD, name="认证审核", is_staff=True
                    )
                )
            licence = io.BytesIO()
            Image.new("RGB", (64, 40), (250, 245, 230)).save(licence, "PNG")
            verification = services_employer.employer_verification_submit(
                actor=owner,
                organization=org,
                credit_code=org.credit_code,
                company_name=org.name,
                legal_representative=f"法人{n}",
                contact_name=owner.name,
                contact_phone=owner.phone,
                licence=licence.getvalue(),
            )
            services_employer.employer_verification_approve(
                reviewer=reviewers[0], verification_id=verification.pk
            )
            org.refresh_from_db()
        if escrow_fen:
            # Money enters escrow only from the bank: a notified credit naming the employer.
            settlement_services.bank_credit_receive(
                txn_id=f"TEST-{n}",
                amount_fen=escrow_fen,
                payer_name=org.name,
                memo=settlement_services.topup_code(org),
            )
        return owner, org

    return make


@pytest.fixture
def operator(db: None) -> User:
    return account_services.user_create(
        phone="13800000001", password=PASSWORD, name="运营", is_staff=True
    )


@pytest.fixture
def hangzhou(db: None) -> dict[str, Region | Grid]:
    """浙江 → 杭州 → 西湖区 with grids 西湖北 (north half) and 西湖南 (south-west quarter);
    the south-east quarter of the district has no grid."""
    zj = region_services.region_create(
        code="330000", name="浙江省", level=1, boundary=rect(118.0, 27.0, 123.0, 31.2)
    )
    hz = region_services.region_create(
        code="330100", name="杭州市", level=2, parent=zj, boundary=rect(119.9, 30.05, 120.5, 30.45)
    )
    xh = region_services.region_create(
        code="330106",
        name="西湖区",
        level=3,
        parent=hz,
        boundary=rect(120.05, 30.15, 120.15, 30.30),
    )
    north = region_services.grid_create(
        region=xh, code="XH-N", name="西湖北", polygon=rect(120.05, 30.225, 120.15, 30.30)
    )
    south_west = region_services.grid_create(
        region=xh, code="XH-SW", name="西湖西南", polygon=rect(120.05, 30.15, 120.10, 30.225)
    )
    return {"province": zj, "city": hz, "district": xh, "north": north, "south_west": south_west}


# --- work orders -----------------------------------------------------------------------


@pytest.fixture
def make_order(db: None, hangzhou: dict[str, Any]) -> Callable[..., Any]:
    """An order at a site in the north grid of Xihu district (made on first use)."""
    from datetime import timedelta

    from django.utils import timezone

    from xinghuo.work_orders import services as order_services
    from xinghuo.workflows import services as workflows

    sites: dict[int, Any] = {}

    def make(
        *,
        owner: User,
        organization: Organization,
        publish: bool = True,
        lat: float = 30.26,
        lng: float = 120.10,
        **fields: Any,
    ) -> Any:
        key = (organization.pk, lat, lng)
        if key not in sites:
            sites[key] = region_services.site_create(
                organization=organization,
                code=f"S-{len(sites) + 1}",
                name=f"测试站{len(sites) + 1}",
                lat=lat,
                lng=lng,
            )
        fields.setdefault("deadline_at", timezone.now() + timedelta(hours=8))
        fields.setdefault("title", "基站巡检")
        draft = order_services.OrderDraft(site_id=sites[key].pk, **fields)
        return workflows.work_order_create(
            actor=owner, organization=organization, draft=draft, publish=publish
        ).order

    return make


@pytest.fixture
def clear_worker(db: None, operator: User) -> Callable[[Worker], Worker]:
    """clear_worker(worker): his identity approved by the operator and the platform
    agreement signed, through the real services — what paid work requires."""
    from xinghuo.demo.clearance import person_for, worker_clear

    counter = iter(range(1, 100_000))

    def clear(worker: Worker) -> Worker:
        person = person_for(worker.user.name or "李四", next(counter))
        return worker_clear(worker=worker, reviewer=operator, person=person)

    return clear


@pytest.fixture
def make_eligible_worker(
    db: None,
    make_worker: Callable[..., Worker],
    hangzhou: dict[str, Any],
    clear_worker: Callable[[Worker], Worker],
):
    """A worker serving Xihu district, available, standing at the default order site and,
    unless `cleared=False`, cleared for paid work (identity approved, agreement signed)."""

    def make(*, cleared: bool = True, **kwargs: Any) -> Worker:
        worker = make_worker(**kwargs)
        workforce_services.worker_set_areas(worker=worker, region_ids=[hangzhou["district"].pk])
        workforce_services.worker_report_position(worker=worker, lat=30.2601, lng=120.1001)
        if cleared:
            clear_worker(worker)
        return worker

    return make


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Uploaded and generated files (ID photos, agreements, evidence) go to a temporary
    folder, and the demo signing certificate is made once per test session there."""
    root = tmp_path_factory.getbasetemp()
    settings.MEDIA_ROOT = str(root / "media")
    settings.CONTRACTS_SIGNING_DIR = str(root / "contracts-signing")


# --- data migrations and transactional tests ------------------------------------------------

# The data migrations whose rows the code needs (the default roles and skills, the question
# banks and exams), with the forward function that makes them; both are idempotent.
SEED_MIGRATIONS = [
    ("xinghuo.workforce.migrations.0002_default_roles_and_skills", "create_defaults"),
    ("xinghuo.certification.migrations.0002_question_banks", "load"),
]

_SEEDED = pytest.StashKey[Any]()  # the database blocker, on a test whose rows were put back


def _restore_seed_rows() -> None:
    from django.apps import apps

    for module, function in SEED_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def migration_data(transactional_db: None) -> None:
    """Put back the rows that data migrations create (the seven default roles, the skills,
    the question banks).

    A transactional test ends with a flush, which also deletes them. Django's
    ``serialized_rollback`` cannot restore them here: it keeps the serialized rows
    on the connection object of the thread's ``threading.local``, but once
    Playwright's event loop runs in the test thread, Django (asgiref's
    thread-critical Local) hands out a different connection object, one without
    those rows, so the restore is silently skipped. Running the migrations' own
    forward functions again keeps one source of truth for that data.
    """
    _restore_seed_rows()


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or (marker is not None and bool(marker.kwargs.get("transaction")))
    )


@pytest.fixture(autouse=True)
def _seed_rows_for_transactional_tests(request: pytest.FixtureRequest) -> None:
    """Every transactional test gets the data-migration rows back (an earlier one's flush
    deleted them), whatever order the tests run in; and they are put back after its own
    flush too (see pytest_runtest_teardown), for the tests that share no transaction
    with it and run after it in the same process (pytest-xdist interleaves them)."""
    if _is_transactional(request):
        request.getfixturevalue("migration_data")
        request.node.stash[_SEEDED] = request.getfixturevalue("django_db_blocker")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    try:
        return (yield)
    finally:
        # After the test's fixtures are gone, so after transactional_db's flush. Not after
        # the last test: the session's fixtures went too, with the test database, and the
        # connection names the real database again.
        blocker = item.stash.get(_SEEDED, None)
        if blocker is not None and nextitem is not None:
            with blocker.unblock():
                _restore_seed_rows()
