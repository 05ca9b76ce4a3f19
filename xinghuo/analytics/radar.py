"""Skill radar (B3): eight dimensions, each 0–100, computed on a given day.

In analytics, not certification: it reads certifications and exams and also the worker's
orders and points, which sit on layers above certification.

The rule (also in docs/certification.md):

Six skill families, each a set of skill codes:

    高处作业 height        work_at_height
    电力电源 power         electrician, power_operation, battery_maintenance
    油机发电 generator     generator
    动环监控 monitoring    env_monitoring, air_conditioning, bts_maintenance
    传输光缆 transmission  fiber_splicing
    铁塔维护 tower         tower_maintenance, welding

A family's value is the sum of
    credential  40  when an approved certification valid on the day (valid_from ≤ day ≤
                    valid_until, or no valid_until) grants a skill of the family, else 0;
    exam        0.2 × the best score (%) of the worker's finished attempts at exams whose
                    bank is for a skill of the family (0–20; a failed attempt counts too);
    experience  4 × min(n, 10), n = accepted orders of the worker that required a skill of
                    the family (0–40; the tenth order fills it).

Two work dimensions:
    服务质量 quality     20 × the mean rating (1–5) of the worker's accepted, rated orders;
                         0 without any rating;
    效率 efficiency      100 × mean efficiency factor of his points entries ÷ 1.20 (the default
                         factor for early delivery), at most 100; 0 without any entry. With the
                         default factors: always early → 100, on time → 83, late → 50.

Each value is rounded half up to an integer once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Max, Q
from django.utils import timezone
from django.utils.translation import get_language

from xinghuo.accounts.models import User
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.certification.models import Certification, ExamAttempt
from xinghuo.dispatch.models import PointsEntry
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce.exceptions import WorkerNotFound
from xinghuo.workforce.models import Worker

# code, Chinese name, English name, skill codes. Names are domain terms: bilingual like the
# skill catalogue, not through the translation catalogue.
FAMILIES: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("height", "高处作业", "Work at height", ("work_at_height",)),
    (
        "power",
        "电力电源",
        "Power systems",
        ("electrician", "power_operation", "battery_maintenance"),
    ),
    ("generator", "油机发电", "Generator operation", ("generator",)),
    (
        "monitoring",
        "动环监控",
        "Power & environment",
        ("env_monitoring", "air_conditioning", "bts_maintenance"),
    ),
    ("transmission", "传输光缆", "Transmission & fibre", ("fiber_splicing",)),
    ("tower", "铁塔维护", "Tower maintenance", ("tower_maintenance", "welding")),
]
WORK_DIMENSIONS = {"quality": ("服务质量", "Service quality"), "efficiency": ("效率", "Efficiency")}
CREDENTIAL_POINTS = Decimal(40)
EXAM_WEIGHT = Decimal("0.2")
POINTS_PER_ORDER = Decimal(4)
ORDERS_CAP = 10
RATING_WEIGHT = Decimal(20)
EFFICIENCY_FULL = Decimal("1.20")
MAX_VALUE = 100


@dataclass(frozen=True)
class RadarDimension:
    code: str
    name: str
    value: int
    max: int = MAX_VALUE


def _label(zh: str, en: str) -> str:
    return en if (get_language() or "zh-hans").startswith("en") else zh


def _round(value: Decimal) -> int:
    return int(min(value, Decimal(MAX_VALUE)).quantize(Decimal(1), ROUND_HALF_UP))


def worker_radar(*, worker: Worker, on: date | None = None) -> list[RadarDimension]:
    """The worker's eight radar values on day `on` (today by default), by the rule above."""
    on = on or timezone.localdate()
    valid_certs = Certification.objects.filter(
        worker=worker, status=Certification.Status.APPROVED, valid_from__lte=on
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    accepted = WorkOrder.objects.filter(worker=worker, status=WorkOrder.Status.ACCEPTED)
    finished = ExamAttempt.objects.filter(worker=worker).exclude(status=ExamAttempt.Status.OPEN)

    dims: list[RadarDimension] = []
    for code, zh, en, skill_codes in FAMILIES:
        credential = (
            CREDENTIAL_POINTS
            if valid_certs.filter(skills__code__in=skill_codes).exists()
            else Decimal(0)
        )
        best = finished.filter(exam__bank__skill__code__in=skill_codes).aggregate(
            best=Max("score_percent")
        )["best"]
        exam = EXAM_WEIGHT * Decimal(best or 0)
        n = accepted.filter(required_skills__code__in=skill_codes).distinct().count()
        experience = POINTS_PER_ORDER * min(n, ORDERS_CAP)
        dims.append(RadarDimension(code, _label(zh, en), _round(credential + exam + experience)))

    mean_rating = accepted.filter(rating__isnull=False).aggregate(m=Avg("rating"))["m"]
    quality = RATING_WEIGHT * Decimal(str(mean_rating)) if mean_rating is not None else Decimal(0)
    dims.append(RadarDimension("quality", _label(*WORK_DIMENSIONS["quality"]), _round(quality)))

    mean_eff = PointsEntry.objects.filter(worker=worker).aggregate(m=Avg("efficiency_factor"))["m"]
    efficiency = (
        Decimal(100) * Decimal(str(mean_eff)) / EFFICIENCY_FULL
        if mean_eff is not None
        else Decimal(0)
    )
    dims.append(
        RadarDimension("efficiency", _label(*WORK_DIMENSIONS["efficiency"]), _round(efficiency))
    )
    return dims


def worker_get_for_radar(*, viewer: User, worker_id: int) -> Worker:
    """A worker whose radar `viewer` may see: himself, any worker for an operator, and for an
    employer's member a worker who has held one of the employer's orders. Anyone else gets
    WorkerNotFound, as for a missing worker."""
    worker = Worker.objects.select_related("user", "role").filter(pk=worker_id).first()
    if worker is None:
        raise WorkerNotFound()
    if worker.user_id == viewer.pk or has_capability(
        actor=viewer, capability=Capability.WORKERS_VIEW
    ):
        return worker
    if WorkOrder.objects.filter(Q(worker=worker), organization__memberships__user=viewer).exists():
        return worker
    raise WorkerNotFound()
