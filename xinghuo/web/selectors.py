"""What each landing page shows, assembled from the apps' own selectors."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.models import Organization, User
from xinghuo.certification import selectors as cert_selectors
from xinghuo.contracts import selectors as contract_selectors
from xinghuo.dispatch.models import PointsEntry
from xinghuo.identity import selectors as identity_selectors
from xinghuo.identity.models import IdentityVerification
from xinghuo.identity.selectors import employer as employer_selectors
from xinghuo.regions import selectors as region_selectors
from xinghuo.settlement import selectors as settlement_selectors
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders.models import Attachment, TrackPoint, WorkOrder
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce.models import Worker


def worker_dashboard(*, worker: Worker) -> dict[str, Any]:
    return {
        "worker": worker,
        "regions": list(worker.regions.all()),
        "grids": list(worker.grids.all()),
        "worker_skills": list(worker.worker_skills.all()),
        "role_requests": list(workforce_selectors.role_change_request_list(worker=worker)[:5]),
    }


def employer_dashboard(*, organization: Organization) -> dict[str, Any]:
    sites = list(region_selectors.site_list(organization=organization))
    region_ids = {s.region_id for s in sites}
    grids = list(region_selectors.grid_list().filter(sites__organization=organization).distinct())
    return {
        "organization": organization,
        "members": list(account_selectors.membership_list(organization=organization)),
        "sites": sites,
        "site_count_by_region": region_selectors.site_count_by_region(organization=organization),
        "roles": list(workforce_selectors.role_list(organization=organization)),
        "map_data": {
            "sites": [
                {"code": s.code, "name": s.name, "lat": s.lat, "lng": s.lng, "kind": s.kind}
                for s in sites
            ],
            "grids": [{"code": g.code, "name": g.name, "polygon": g.polygon} for g in grids],
        },
        "region_count": len(region_ids),
    }


def operator_dashboard(*, operator: User) -> dict[str, Any]:
    return {
        "counts": {
            "workers": workforce_selectors.worker_list().count(),
            "identities_pending": identity_selectors.identity_review_list(
                reviewer=operator
            ).count(),
            "certifications_pending": cert_selectors.certification_review_list(
                reviewer=operator
            ).count(),
            "organizations_pending": employer_selectors.employer_verification_review_list(
                reviewer=operator
            ).count(),
            "organizations": account_selectors.organization_count(),
            "role_requests_pending": workforce_selectors.role_change_request_list(
                status="pending"
            ).count(),
        },
        "role_requests": list(workforce_selectors.role_change_request_list(status="pending")[:50]),
        "workers_by_role_chart": workforce_selectors.worker_count_by_role(),
    }


# --- work orders (employer console, worker H5) ----------------------------------------------


def order_attachments(*, order: WorkOrder) -> list[Attachment]:
    """The files on an order (the employer's documents, the worker's delivery photos)."""
    return list(order.attachments.select_related("uploaded_by").order_by("created_at", "pk"))


def order_points_entry(*, order: WorkOrder) -> PointsEntry | None:
    """The points awarded for an accepted order, if any."""
    return PointsEntry.objects.filter(order=order).first()


def order_map(
    *, order: WorkOrder, track_of: Worker | None = None, with_track: bool = True
) -> dict[str, Any]:
    """The site, its check-in radius and the track, for the order's Leaflet map.

    `track_of` keeps only that worker's positions: a worker must not see where the one
    who held the order before him went.
    """
    site = order.site
    track = (
        order_selectors.order_track(order=order, worker=track_of)
        if with_track
        else TrackPoint.objects.none()
    )
    return {
        "site": {"name": site.name, "code": site.code, "lat": site.lat, "lng": site.lng},
        "radius_m": order_selectors.checkin_radius_m(order),
        "track": [
            {"lat": p.lat, "lng": p.lng, "at": timezone.localtime(p.at).strftime("%m-%d %H:%M")}
            for p in track
        ],
    }


def worker_onboarding(*, worker: Worker) -> list[dict[str, Any]]:
    """The steps before paid work (MISSION A1–A4) and where each stands, for the worker's
    pages: identity, payout account, agreement, certifications. `done` of the first and
    the third is what dispatch checks (`dispatch.selectors.worker_is_cleared`)."""
    identity = IdentityVerification.objects.filter(worker=worker).first()
    identity_status = identity.status if identity is not None else ""
    identity_labels = {
        "": _("Not started"),
        IdentityVerification.Status.DRAFT: _("Card read: confirm the fields"),
        IdentityVerification.Status.PENDING: _("Waiting for review"),
        IdentityVerification.Status.APPROVED: _("Verified"),
        IdentityVerification.Status.REJECTED: _("Rejected: take the photo again"),
    }
    accounts = settlement_selectors.payout_accounts_for_worker(worker=worker)
    default = accounts.filter(is_default=True).first()
    signed = contract_selectors.worker_has_signed(worker=worker)
    today = timezone.localdate()
    valid_certs = sum(
        1
        for c in cert_selectors.certification_list_for_worker(worker=worker)
        if cert_selectors.certification_state(c, on=today) in ("valid", "expiring")
    )
    return [
        {
            "key": "identity",
            "label": _("Identity verification"),
            "done": identity_status == IdentityVerification.Status.APPROVED,
            "state": identity_labels.get(identity_status, identity_status),
            "url": "web:worker_identity",
            "required": True,
        },
        {
            "key": "payout_account",
            "label": _("Payout account"),
            "done": default is not None,
            "state": str(default) if default is not None else _("None yet"),
            "url": "web:worker_wallet",
            "required": False,
        },
        {
            "key": "agreement",
            "label": _("Service agreement"),
            "done": signed,
            "state": _("Signed") if signed else _("Not signed"),
            "url": "web:worker_agreement",
            "required": True,
        },
        {
            "key": "certifications",
            "label": _("Certifications"),
            "done": valid_certs > 0,
            "state": _("%(n)d valid") % {"n": valid_certs},
            "url": "web:worker_certifications",
            "required": False,
        },
    ]
