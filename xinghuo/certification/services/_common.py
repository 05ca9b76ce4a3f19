"""What certifications and exams share: the reviewer's permission and the sync of a
worker's skill dates (described in the package's docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import User
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.core.exceptions import PermissionDenied
from xinghuo.workforce.models import Worker, WorkerSkill

from ..models import Certification


def require_operator(user: User) -> None:
    if not has_capability(actor=user, capability=Capability.CERTIFICATION_REVIEW):
        raise PermissionDenied(
            _("Only platform operators may review certifications."), code="operator_only"
        )


def merged_first(intervals: list[tuple[date, date]]) -> tuple[date, date] | None:
    """The first of the merged intervals (overlapping or touching ones joined)."""
    if not intervals:
        return None
    intervals.sort()
    start, end = intervals[0]
    for s, e in intervals[1:]:
        if s > end + timedelta(days=1):
            break
        end = max(end, e)
    return start, end


def worker_skills_sync(*, worker_id: int, skill_ids: Sequence[int], today: date) -> None:
    """Set the validity of the worker's skills from his approved certifications (see the
    module docstring). Locks the worker row so concurrent approvals for one worker queue."""
    Worker.objects.select_for_update().filter(pk=worker_id).first()
    for skill_id in sorted(set(skill_ids)):
        row, _created = WorkerSkill.objects.get_or_create(worker_id=worker_id, skill_id=skill_id)
        intervals: list[tuple[date, date]] = list(
            Certification.objects.filter(  # type: ignore[arg-type]  # valid_until ≥ today: set
                worker_id=worker_id,
                status=Certification.Status.APPROVED,
                skills=skill_id,
                valid_until__gte=today,
            ).values_list("valid_from", "valid_until")
        )
        if row.valid_until is not None and row.valid_until >= today:
            intervals.append((row.valid_from or date.min, row.valid_until))
        merged = merged_first(intervals)
        if merged is None:
            continue
        valid_from = None if merged[0] == date.min else merged[0]
        if (row.valid_from, row.valid_until) != (valid_from, merged[1]):
            row.valid_from, row.valid_until = valid_from, merged[1]
            row.save(update_fields=["valid_from", "valid_until", "updated_at"])
