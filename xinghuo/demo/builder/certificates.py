"""Workers' certificates (上岗证) for the skills that require one, through the certification
services: most valid, some expired, a few still waiting for review."""

from __future__ import annotations

import io
from datetime import timedelta
from functools import lru_cache

from PIL import Image

from xinghuo.certification import services as certification_services
from xinghuo.certification.models import Certification
from xinghuo.workforce.models import Skill, Worker

from .context import BuildContext

CERTIFICATE_YEARS = 3
EXPIRED_SHARE = 0.12  # certified skills whose certificate has lapsed
PENDING_SHARE = 0.06  # declared, certificate not yet reviewed: no dates at all


@lru_cache(maxsize=1)
def certificate_scan() -> bytes:
    """A small PNG standing in for the scan of a certificate (the evidence file)."""
    buf = io.BytesIO()
    Image.new("RGB", (320, 220), (250, 244, 228)).save(buf, "PNG")
    return buf.getvalue()


def certify(ctx: BuildContext, worker: Worker, skill: Skill, *, always_valid: bool) -> None:
    """The worker's certificate for `skill`, submitted and reviewed through the
    certification services. Dates are relative to today so that "expired" stays expired
    and "valid" valid whenever the demo is built: an expired one was submitted and
    approved back when it was valid (the services take the day as `today`)."""
    roll = ctx.rng.random()
    years = timedelta(days=365 * CERTIFICATE_YEARS)
    expired = not always_valid and PENDING_SHARE <= roll < PENDING_SHARE + EXPIRED_SHARE
    if expired:
        valid_until = ctx.today - timedelta(days=ctx.rng.randint(5, 240))
        valid_from = valid_until - years
    else:
        valid_from = ctx.today - timedelta(days=ctx.rng.randint(30, 900))
        valid_until = valid_from + years
    submitted_on = valid_from + timedelta(days=3)
    cert = certification_services.certification_submit(
        worker=worker,
        kind=Certification.Kind.CERTIFICATE,
        title=f"{skill.name}上岗证",
        skill_ids=[skill.pk],
        valid_from=valid_from,
        valid_until=valid_until,
        issuer="浙江省通信行业职业技能鉴定中心",
        number=f"ZJTX{valid_from:%Y}{ctx.rng.randint(100000, 999999)}",
        files=[certificate_scan()],
        today=submitted_on,
    )
    if not always_valid and roll < PENDING_SHARE:
        return  # declared, waiting for the operator: no dates yet
    certification_services.certification_approve(
        reviewer=ctx.operator,
        certification_id=cert.pk,
        note="证书真实有效",
        today=submitted_on,
    )
