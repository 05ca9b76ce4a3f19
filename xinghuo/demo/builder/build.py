"""The build itself: the steps in the order they draw from the one random source, in one
transaction, and what it returns."""

from __future__ import annotations

from django.db import transaction

from xinghuo.accounts.models import Membership, Organization, User
from xinghuo.regions.models import Grid, Region, Site
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce.models import RoleChangeRequest, Team, Worker, WorkerSkill

from ..corrections import build_corrections
from ..offers import build_offers
from ..orders import build_orders
from ..returns import build_returns_summary
from ..topups import build_topups
from .clearing import clear_workers
from .context import (
    DEMO_PASSWORD,
    DEMO_WORKER_PHONE,
    OM_OWNER_PHONE,
    OPERATOR_PHONE,
    TOWER_OWNER_PHONE,
    BuildContext,
    DemoSummary,
    Writer,
)
from .employers import build_employers, build_operator
from .geography import build_regions
from .sites import build_sites
from .teams import build_role_change_requests, build_teams
from .workers import build_workers


@transaction.atomic
def build_demo(*, stdout: Writer | None = None) -> DemoSummary:
    """Build the Hangzhou demo city on a database without users; same seed, same city.

    All or nothing. Raises the services' errors (e.g. PhoneTaken, Conflict) when the
    database already holds some of the demo's rows.
    """
    ctx = BuildContext(stdout=stdout)
    _build_people_and_places(ctx)
    _build_activity(ctx)
    return _summary(ctx)


def _build_people_and_places(ctx: BuildContext) -> None:
    build_regions(ctx)
    build_operator(ctx)
    build_employers(ctx)
    build_sites(ctx)
    workers = build_workers(ctx)
    clear_workers(ctx, workers)
    build_teams(ctx, workers)
    build_role_change_requests(ctx, workers)


def _build_activity(ctx: BuildContext) -> None:
    """Orders, money and what waits for the demo worker."""
    orders = build_orders(
        rng=ctx.rng,
        now=ctx.now,
        organizations=list(ctx.orgs.values()),
        demo_district_code="330106",
    )
    ctx.log(f"Work orders: {orders}")
    ctx.log(build_topups(organizations=list(ctx.orgs.values()), operator=ctx.operator))
    ctx.log(build_returns_summary(preferred_phone=DEMO_WORKER_PHONE))
    ctx.log(build_corrections(operator=ctx.operator, password=DEMO_PASSWORD))
    offers, invitations = build_offers(worker_phone=DEMO_WORKER_PHONE)
    ctx.log(
        f"Waiting for the demo worker {DEMO_WORKER_PHONE} (/worker/notifications/): "
        f"{offers} assignment offer(s), {invitations} team invitation(s)"
    )


def _summary(ctx: BuildContext) -> DemoSummary:
    return DemoSummary(
        regions=Region.objects.count(),
        grids=Grid.objects.count(),
        sites=Site.objects.count(),
        organizations=Organization.objects.count(),
        memberships=Membership.objects.count(),
        users=User.objects.count(),
        workers=Worker.objects.count(),
        worker_skills=WorkerSkill.objects.count(),
        teams=Team.objects.count(),
        role_change_requests=RoleChangeRequest.objects.filter(
            status=RoleChangeRequest.Status.PENDING
        ).count(),
        work_orders=WorkOrder.objects.count(),
        logins=tuple(ctx.logins),
    )


def database_has_users() -> bool:
    return User.objects.exists()


def existing_demo_logins() -> list[str]:
    """The demo logins found in the database, for `make run` on a database built before."""
    phones = [OPERATOR_PHONE, TOWER_OWNER_PHONE, OM_OWNER_PHONE, DEMO_WORKER_PHONE]
    users = {u.phone: u for u in User.objects.filter(phone__in=phones)}
    if not users:
        return []
    return [f"Demo logins (password {DEMO_PASSWORD} for every demo account):"] + [
        f"  {phone}  {users[phone].name}" for phone in phones if phone in users
    ]
