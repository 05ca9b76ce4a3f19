"""Teams (班组) of workers and the role change requests waiting for review."""

from __future__ import annotations

from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Role, Worker

from .context import BuildContext
from .geography import DISTRICTS


def _district_short(worker: Worker) -> str:
    codes = set(worker.regions.values_list("code", flat=True))
    return next((d.short for d in DISTRICTS if d.code in codes), "杭州")


def build_teams(ctx: BuildContext, workers: list[Worker]) -> None:
    plans = (
        ("construction", ("construction", "repair"), "铁塔施工一班"),
        ("power_generation", ("power_generation",), "油机发电保障班"),
    )
    for leader_role, member_roles, suffix in plans:
        candidates = [w for w in workers[1:] if w.team_id is None and w.role.code == leader_role]
        leader = candidates[0]
        team = workforce_services.team_create(
            leader=leader, name=f"{_district_short(leader)}{suffix}"
        )
        leader.team = team
        members = [
            w
            for w in workers[1:]
            if w.team_id is None and w.pk != leader.pk and w.role.code in member_roles
        ][:3]
        for member in members:
            invitation = workforce_services.team_invite(leader=leader, phone=member.user.phone)
            workforce_services.team_invitation_accept(worker=member, invitation_id=invitation.pk)
            member.team = team
    ctx.log("Teams: 2")


def build_role_change_requests(ctx: BuildContext, workers: list[Worker]) -> None:
    roles = {r.code: r for r in Role.objects.filter(organization__isnull=True)}
    plans = (
        ("daily_maintenance", "repair", "已取得制冷与空调作业证,申请转为专业修理人员"),
        ("monitoring", "station_head", "在监控岗位工作三年,熟悉片区站址,申请担任维护站站长"),
    )
    for from_code, to_code, reason in plans:
        worker = next(w for w in workers[1:] if w.role.code == from_code and w.team_id is None)
        workforce_services.role_change_request_create(
            worker=worker, to_role_id=roles[to_code].pk, reason=reason
        )
    ctx.log("Role change requests: 2 pending")
