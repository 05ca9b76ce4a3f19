"""Dispatch endpoints: the worker's order hall and grab, the dispatcher's assignment."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.auth import current_user
from xinghuo.core.api import Id, Limit
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders.models import WorkOrder
from xinghuo.work_orders.schemas import ReasonIn, WorkOrderOut
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce.models import Worker

from . import points, selectors, services
from .models import AssignmentOffer, DirectAssignmentConsent, PointsRule, RegionCoefficient
from .schemas import (
    AssignIn,
    AssignmentOfferOut,
    DirectAssignmentConsentIn,
    DirectAssignmentConsentOut,
    DirectAssignmentConsentSetOut,
    EligibleWorkerOut,
    PointsEntryOut,
    PointsOut,
    PointsRuleIn,
    PointsRuleOut,
    ReassignIn,
    RecommendationOut,
    RegionCoefficientIn,
    RegionCoefficientOut,
)

router = Router(tags=["dispatch"])


def _me(request: HttpRequest) -> Worker:
    return workforce_selectors.worker_for_user(user=current_user(request))


@router.get("/workers/me/order-hall", response=list[RecommendationOut])
def order_hall(request: HttpRequest, limit: Limit = 50) -> list[selectors.Recommendation]:
    """Open orders the worker may take, best first, each with the points and pay it would
    bring if done on time with a good rating."""
    return selectors.recommended_orders(worker=_me(request), limit=max(1, min(limit, 200)))


@router.post("/work-orders/{order_id}/grab", response=WorkOrderOut)
def grab(request: HttpRequest, order_id: Id) -> WorkOrder:
    order = services.work_order_grab(worker=_me(request), work_order_id=order_id)
    return selectors.order_get_for_worker(worker=_me(request), order_id=order.pk)


@router.post("/work-orders/{order_id}/decline", response=WorkOrderOut)
def decline(request: HttpRequest, order_id: Id, payload: ReasonIn) -> WorkOrder:
    return services.work_order_decline(
        worker=_me(request), work_order_id=order_id, reason=payload.reason
    )


@router.get("/workers/me/points", response=PointsOut)
def my_points(request: HttpRequest, limit: Limit = 50) -> PointsOut:
    worker = _me(request)
    entries = selectors.points_history(worker=worker)[: max(1, min(limit, 200))]
    return PointsOut(
        balance=selectors.points_balance(worker=worker),
        entries=[
            PointsEntryOut(
                order_id=e.order_id,
                order_title=e.order.title,
                points=e.points,
                base_points=e.base_points,
                efficiency_factor=e.efficiency_factor,
                quality_factor=e.quality_factor,
                region_factor=e.region_factor,
                created_at=e.created_at,
            )
            for e in entries
        ],
    )


@router.get(
    "/organizations/{organization_id}/work-orders/{order_id}/eligible-workers",
    response=list[EligibleWorkerOut],
)
def eligible_workers(
    request: HttpRequest, organization_id: Id, order_id: Id, limit: Limit = 50
) -> list[selectors.Candidate]:
    """Workers this order may go to, nearest first (those without a position last): name,
    distance band and qualifications only. Verified employers only; counted against the
    organization's CANDIDATE_LISTS_PER_WINDOW (429 when spent)."""
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    order = order_selectors.order_get_for_organization(organization=org, order_id=order_id)
    return services.work_order_candidates(
        organization=org, order=order, limit=max(1, min(limit, 200))
    )


@router.post(
    "/organizations/{organization_id}/work-orders/{order_id}/assign",
    response={200: WorkOrderOut, 202: AssignmentOfferOut},
)
def assign(
    request: HttpRequest, organization_id: Id, order_id: Id, payload: AssignIn
) -> Status[WorkOrder] | Status[AssignmentOffer]:
    """200 with the order when the worker has agreed to direct assignment from this
    employer; otherwise 202 with the offer he is asked to accept."""
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    done = services.work_order_assign(
        actor=user, organization=org, work_order_id=order_id, worker_id=payload.worker_id
    )
    if done.offer is not None:
        return Status(202, done.offer)
    return Status(
        200, order_selectors.order_get_for_organization(organization=org, order_id=order_id)
    )


@router.post(
    "/organizations/{organization_id}/work-orders/{order_id}/reassign",
    response={200: WorkOrderOut, 202: AssignmentOfferOut},
)
def reassign(
    request: HttpRequest, organization_id: Id, order_id: Id, payload: ReassignIn
) -> Status[WorkOrder] | Status[AssignmentOffer]:
    """As assign: 202 with the offer unless the new worker agreed to direct assignment."""
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    done = services.work_order_reassign(
        actor=user,
        organization=org,
        work_order_id=order_id,
        worker_id=payload.worker_id,
        reason=payload.reason,
    )
    if done.offer is not None:
        return Status(202, done.offer)
    return Status(
        200, order_selectors.order_get_for_organization(organization=org, order_id=order_id)
    )


@router.get(
    "/organizations/{organization_id}/work-orders/{order_id}/assignment-offers",
    response=list[AssignmentOfferOut],
)
def order_offers(request: HttpRequest, organization_id: Id, order_id: Id) -> list[AssignmentOffer]:
    """The offers made for the order and how the workers answered, newest first."""
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    order = order_selectors.order_get_for_organization(organization=org, order_id=order_id)
    return list(selectors.assignment_offers_for_order(order=order)[:100])


@router.get("/workers/me/assignment-offers", response=list[AssignmentOfferOut])
def my_offers(request: HttpRequest, pending: bool = True) -> list[AssignmentOffer]:
    """Orders employers offer the worker; by default those he may still answer."""
    return list(
        selectors.assignment_offers_for_worker(worker=_me(request), pending_only=pending)[:200]
    )


@router.post("/workers/me/assignment-offers/{offer_id}/accept", response=WorkOrderOut)
def offer_accept(request: HttpRequest, offer_id: Id) -> WorkOrder:
    worker = _me(request)
    order = services.assignment_offer_accept(worker=worker, offer_id=offer_id)
    return selectors.order_get_for_worker(worker=worker, order_id=order.pk)


@router.post("/workers/me/assignment-offers/{offer_id}/decline", response=AssignmentOfferOut)
def offer_decline(request: HttpRequest, offer_id: Id) -> AssignmentOffer:
    return services.assignment_offer_decline(worker=_me(request), offer_id=offer_id)


@router.get("/workers/me/direct-assignment-consents", response=list[DirectAssignmentConsentOut])
def my_consents(request: HttpRequest) -> list[DirectAssignmentConsent]:
    """The employers the worker lets assign him orders without asking."""
    return list(selectors.direct_assignment_consents(worker=_me(request)))


@router.put(
    "/workers/me/direct-assignment-consents/{organization_id}",
    response=DirectAssignmentConsentSetOut,
)
def consent_set(
    request: HttpRequest, organization_id: Id, payload: DirectAssignmentConsentIn
) -> DirectAssignmentConsentSetOut:
    allowed = services.direct_assignment_consent_set(
        worker=_me(request), organization_id=organization_id, allowed=payload.allowed
    )
    return DirectAssignmentConsentSetOut(organization_id=organization_id, allowed=allowed)


@router.get("/organizations/{organization_id}/points-rule", response=PointsRuleOut)
def points_rule_get(request: HttpRequest, organization_id: Id) -> PointsRule:
    """The employer's points rule (the platform default until it sets its own)."""
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return points.rule_for(org.pk)


@router.put("/organizations/{organization_id}/points-rule", response=PointsRuleOut)
def points_rule_put(request: HttpRequest, organization_id: Id, payload: PointsRuleIn) -> PointsRule:
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    return services.points_rule_set(actor=user, organization=org, **payload.dict())


@router.put(
    "/organizations/{organization_id}/region-coefficients/{region_id}",
    response=RegionCoefficientOut,
)
def region_coefficient_put(
    request: HttpRequest, organization_id: Id, region_id: Id, payload: RegionCoefficientIn
) -> RegionCoefficient:
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    return services.region_coefficient_set(
        actor=user, organization=org, region_id=region_id, coefficient=payload.coefficient
    )
