"""Work-order endpoints: the employer's console and the worker's steps on site."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.auth import current_user
from xinghuo.accounts.models import Organization, User
from xinghuo.core.api import Id, Pagination, paginate
from xinghuo.dispatch import selectors as dispatch_selectors
from xinghuo.regions import selectors as region_selectors
from xinghuo.workflows import services as workflows
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce.models import Worker

from . import selectors, services
from .models import Attachment, TrackPoint, WorkOrder, WorkOrderEvent
from .schemas import (
    AcceptIn,
    AttachmentOut,
    OptionalPositionIn,
    PositionIn,
    ReasonIn,
    TrackPointOut,
    WorkOrderCreateIn,
    WorkOrderEventOut,
    WorkOrderOut,
)

router = Router(tags=["work orders"])


def _org(request: HttpRequest, organization_id: Id) -> Organization:
    return account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )


def _me(request: HttpRequest) -> Worker:
    return workforce_selectors.worker_for_user(user=current_user(request))


# --- employer --------------------------------------------------------------------------


@router.get("/organizations/{organization_id}/work-orders", response=list[WorkOrderOut])
@paginate(Pagination)
def order_list(
    request: HttpRequest,
    organization_id: Id,
    status: str | None = None,
    priority: str | None = None,
    region_id: Id | None = None,
    search: str | None = None,
) -> object:
    org = _org(request, organization_id)
    region_ids = (
        region_selectors.region_descendant_ids(region_ids=[region_id]) if region_id else None
    )
    return selectors.order_list_for_organization(
        organization=org, status=status, priority=priority, region_ids=region_ids, search=search
    )


@router.post("/organizations/{organization_id}/work-orders", response={201: WorkOrderOut})
def order_create(
    request: HttpRequest, organization_id: Id, payload: WorkOrderCreateIn
) -> Status[WorkOrder]:
    org = _org(request, organization_id)
    data = payload.dict()
    publish = data.pop("publish")
    result = workflows.work_order_create(
        actor=current_user(request),
        organization=org,
        draft=services.OrderDraft(**data),
        publish=publish,
    )
    return Status(
        201, selectors.order_get_for_organization(organization=org, order_id=result.order.pk)
    )


@router.get("/organizations/{organization_id}/work-orders/{order_id}", response=WorkOrderOut)
def order_detail(request: HttpRequest, organization_id: Id, order_id: Id) -> WorkOrder:
    return selectors.order_get_for_organization(
        organization=_org(request, organization_id), order_id=order_id
    )


@router.get(
    "/organizations/{organization_id}/work-orders/{order_id}/events",
    response=list[WorkOrderEventOut],
)
def order_events(request: HttpRequest, organization_id: Id, order_id: Id) -> list[WorkOrderEvent]:
    order = selectors.order_get_for_organization(
        organization=_org(request, organization_id), order_id=order_id
    )
    return list(selectors.order_events(order=order))


@router.get(
    "/organizations/{organization_id}/work-orders/{order_id}/track", response=list[TrackPointOut]
)
def order_track(request: HttpRequest, organization_id: Id, order_id: Id) -> list[TrackPoint]:
    order = selectors.order_get_for_organization(
        organization=_org(request, organization_id), order_id=order_id
    )
    return list(selectors.order_track(order=order))


def _employer(request: HttpRequest, organization_id: Id) -> tuple[User, Organization]:
    return current_user(request), _org(request, organization_id)


@router.post(
    "/organizations/{organization_id}/work-orders/{order_id}/publish", response=WorkOrderOut
)
def order_publish(request: HttpRequest, organization_id: Id, order_id: Id) -> WorkOrder:
    actor, org = _employer(request, organization_id)
    return workflows.work_order_publish(actor=actor, organization=org, order_id=order_id)


@router.post(
    "/organizations/{organization_id}/work-orders/{order_id}/cancel", response=WorkOrderOut
)
def order_cancel(
    request: HttpRequest, organization_id: Id, order_id: Id, payload: ReasonIn
) -> WorkOrder:
    actor, org = _employer(request, organization_id)
    return workflows.work_order_cancel(
        actor=actor, organization=org, order_id=order_id, reason=payload.reason
    )


@router.post(
    "/organizations/{organization_id}/work-orders/{order_id}/accept", response=WorkOrderOut
)
def order_accept(
    request: HttpRequest, organization_id: Id, order_id: Id, payload: AcceptIn
) -> WorkOrder:
    actor, org = _employer(request, organization_id)
    return workflows.work_order_accept(
        actor=actor,
        organization=org,
        order_id=order_id,
        rating=payload.rating,
        comment=payload.comment,
    )


@router.post(
    "/organizations/{organization_id}/work-orders/{order_id}/reject", response=WorkOrderOut
)
def order_reject(
    request: HttpRequest, organization_id: Id, order_id: Id, payload: ReasonIn
) -> WorkOrder:
    actor, org = _employer(request, organization_id)
    return services.work_order_reject(
        actor=actor, organization=org, order_id=order_id, reason=payload.reason
    )


@router.post(
    "/organizations/{organization_id}/work-orders/{order_id}/documents",
    response={201: list[AttachmentOut]},
)
def order_documents(
    request: HttpRequest,
    organization_id: Id,
    order_id: Id,
    files: File[list[UploadedFile]],
) -> Status[list[Attachment]]:
    """Multipart `files`: PDF or images (by content), ≤20 MB each, ≤10 at a time."""
    actor, org = _employer(request, organization_id)
    return Status(
        201,
        services.work_order_attach_documents(
            actor=actor, organization=org, order_id=order_id, files=files
        ),
    )


# --- worker ----------------------------------------------------------------------------


@router.get("/workers/me/orders", response=list[WorkOrderOut])
@paginate(Pagination)
def my_orders(request: HttpRequest, status: str | None = None) -> object:
    return selectors.order_list_for_worker(worker=_me(request), status=status)


@router.get("/work-orders/{order_id}", response=WorkOrderOut)
def worker_order_detail(request: HttpRequest, order_id: Id) -> WorkOrder:
    """An order as the worker sees it: 404 unless he holds it or may take it."""
    return dispatch_selectors.order_get_for_worker(worker=_me(request), order_id=order_id)


@router.post("/work-orders/{order_id}/depart", response=WorkOrderOut)
def order_depart(request: HttpRequest, order_id: Id, payload: OptionalPositionIn) -> WorkOrder:
    return services.work_order_depart(worker=_me(request), order_id=order_id, **payload.dict())


@router.post("/work-orders/{order_id}/positions", response={201: TrackPointOut})
def order_position(request: HttpRequest, order_id: Id, payload: PositionIn) -> Status[TrackPoint]:
    return Status(
        201,
        services.work_order_report_position(
            worker=_me(request), order_id=order_id, **payload.dict()
        ),
    )


@router.post("/work-orders/{order_id}/check-in", response=WorkOrderOut)
def order_check_in(request: HttpRequest, order_id: Id, payload: PositionIn) -> WorkOrder:
    data = payload.dict()
    data.pop("at")
    return services.work_order_check_in(worker=_me(request), order_id=order_id, **data)


@router.post("/work-orders/{order_id}/check-out", response=WorkOrderOut)
def order_check_out(request: HttpRequest, order_id: Id, payload: PositionIn) -> WorkOrder:
    data = payload.dict()
    data.pop("at")
    return services.work_order_check_out(worker=_me(request), order_id=order_id, **data)


@router.post("/work-orders/{order_id}/deliver", response=WorkOrderOut)
def order_deliver(
    request: HttpRequest,
    order_id: Id,
    note: str = Form("", max_length=services.MAX_DELIVERY_NOTE),
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> WorkOrder:
    """Multipart: `note` and up to 9 `photos` (JPEG, PNG or WebP, 10 MB each)."""
    return services.work_order_deliver(
        worker=_me(request), order_id=order_id, note=note, photos=photos or []
    )
