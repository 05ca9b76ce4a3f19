"""Who is calling a page, and the small helpers every page uses.

The current worker, the employer's organizations (and the one picked with ?org=), the
operator; pagination, a service error put on its form field, fen shown as yuan. Public:
every app's pages import these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.auth import current_user
from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.core import money
from xinghuo.core.exceptions import ApplicationError
from xinghuo.notifications import selectors as notification_selectors
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders.exceptions import WorkOrderNotFound
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce.exceptions import WorkerNotFound
from xinghuo.workforce.models import Worker

PER_PAGE = 20

LANDING = {
    "operator": "web:operator_home",
    "employer": "web:employer_home",
    "worker": "web:worker_home",
}


def landing_for(request: HttpRequest) -> str:
    """The URL name of the caller's landing page (the login page when he has none)."""
    kinds = account_selectors.user_kinds(user=current_user(request))
    for kind in ("worker", "employer", "operator"):
        if kind in kinds:
            return LANDING[kind]
    return "web:login"


def yuan(fen: int) -> str:
    """Integer fen as a yuan amount with two decimals, exactly: `core.money.fen_to_yuan`
    (a sum of fen may come back from the database as an integral Decimal)."""
    return money.fen_to_yuan(int(fen))


def paginate(request: HttpRequest, items: Any) -> Page:
    return Paginator(items, PER_PAGE).get_page(request.GET.get("page"))


def show_service_error(form: forms.Form, exc: ApplicationError, fields: dict[str, str]) -> None:
    """Put a service's error on the form field it names (`detail["field"]`), else on the form."""
    field = exc.detail.get("field")
    name = fields.get(field, field) if isinstance(field, str) else None
    form.add_error(name if name in form.fields else None, str(exc.message))


# --- the employer ----------------------------------------------------------------------------


@dataclass
class EmployerScope:
    user: User
    organization: Organization
    organizations: list[Organization]

    def context(self, **extra: Any) -> dict[str, Any]:
        return {"organization": self.organization, "organizations": self.organizations, **extra}


def employer_scope(request: HttpRequest) -> EmployerScope | None:
    """The caller's organizations and the one picked with ?org= (his first by default)."""
    user = current_user(request)
    orgs = list(account_selectors.organization_list_for_user(user=user))
    if not orgs:
        return None
    org_id = request.GET.get("org")
    org = next((o for o in orgs if str(o.pk) == org_id), orgs[0])
    return EmployerScope(user=user, organization=org, organizations=orgs)


def employer_order(scope: EmployerScope, order_id: int) -> WorkOrder:
    """An order of one of the caller's organizations (the picked one first), else 404."""
    others = [o for o in scope.organizations if o.pk != scope.organization.pk]
    for org in (scope.organization, *others):
        try:
            order = order_selectors.order_get_for_organization(organization=org, order_id=order_id)
        except WorkOrderNotFound:
            continue
        scope.organization = org
        return order
    raise Http404


# --- the worker ------------------------------------------------------------------------------


def current_worker(request: HttpRequest) -> Worker | None:
    try:
        return workforce_selectors.worker_for_user(user=current_user(request))
    except WorkerNotFound:
        return None


def worker_context(worker: Worker, tab: str, **extra: Any) -> dict[str, Any]:
    unread = notification_selectors.notification_list(user=worker.user, unread_only=True).count()
    return {"worker": worker, "tab": tab, "unread_count": unread, **extra}


# --- the operator ----------------------------------------------------------------------------


def current_operator(request: HttpRequest, capability: Capability) -> User | None:
    """The signed-in user when the capability table lets him do `capability` as an operator."""
    user = current_user(request)
    return user if has_capability(actor=user, capability=capability) else None
