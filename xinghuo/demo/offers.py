"""Demo: what waits for the demo worker's answer — an order a verified employer offers him
(he has not allowed it to assign him directly) and an invitation to a team.

Through the real services, deterministic (lowest ids first); called once by the builder
after the orders.
"""

from __future__ import annotations

from xinghuo.accounts.models import Membership
from xinghuo.dispatch import selectors as dispatch_selectors
from xinghuo.dispatch import services as dispatch_services
from xinghuo.identity.selectors import employer as verification_selectors
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Team, Worker


def build_offers(*, worker_phone: str) -> tuple[int, int]:
    """One pending assignment offer and one pending team invitation for the worker with
    `worker_phone`, where the demo data allows them; returns how many of each were made."""
    worker = Worker.objects.select_related("user").filter(user__phone=worker_phone).first()
    if worker is None:
        return 0, 0
    offers = 0
    for order in (
        dispatch_selectors.orders_visible_to_worker(worker=worker)  # published ones
        .select_related("organization")
        .order_by("pk")
    ):
        organization = order.organization
        if not verification_selectors.organization_is_verified(organization=organization):
            continue
        if dispatch_selectors.direct_assignment_allowed(
            worker=worker, organization_id=organization.pk
        ):
            continue
        # The persona who assigns: the dispatcher, else the owner.
        members = Membership.objects.filter(organization=organization).order_by("pk")
        dispatcher = (
            members.filter(role=Membership.Role.DISPATCHER).first()
            or members.filter(role=Membership.Role.OWNER).first()
        )
        if dispatcher is None:
            continue
        done = dispatch_services.work_order_assign(
            actor=dispatcher.user,
            organization=organization,
            work_order_id=order.pk,
            worker_id=worker.pk,
        )
        offers += done.offer is not None
        break
    invitations = 0
    if worker.team_id is None:
        team = Team.objects.exclude(leader=worker).order_by("pk").first()
        if team is not None:
            workforce_services.team_invite(leader=team.leader, phone=worker.user.phone)
            invitations = 1
    return offers, invitations
