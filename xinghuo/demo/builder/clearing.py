"""Workers' identity verification and platform agreement (MISSION A1, A4): most are
cleared for paid work, a few show the other states."""

from __future__ import annotations

from xinghuo.identity import services as identity_services
from xinghuo.workforce.models import Worker

from ..clearance import identity_submit, person_for, worker_clear
from .context import BuildContext


def clear_workers(ctx: BuildContext, workers: list[Worker]) -> None:
    """Most workers are verified and have signed; a few show the other states: identity
    waiting for review, verified but agreement not signed, nothing done yet. The demo
    worker is always cleared."""
    counts = dict.fromkeys(("cleared", "pending", "unsigned", "none"), 0)
    for seq, worker in enumerate(workers, start=1):
        person = person_for(worker.user.name, seq)
        state = (
            "cleared"
            if seq == 1
            else ctx.rng.choices(("cleared", "pending", "unsigned", "none"), (85, 6, 4, 5))[0]
        )
        counts[state] += 1
        if state == "cleared":
            worker_clear(worker=worker, reviewer=ctx.operator, person=person)
        elif state == "pending":
            identity_submit(worker=worker, person=person)
        elif state == "unsigned":
            verification = identity_submit(worker=worker, person=person)
            identity_services.identity_approve(
                reviewer=ctx.operator, verification_id=verification.pk
            )
    ctx.log(
        "Identity and agreement: {cleared} cleared, {pending} waiting for review, "
        "{unsigned} verified but not signed, {none} not started".format(**counts)
    )
