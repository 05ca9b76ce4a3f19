from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from xinghuo.workforce.catalogue import DEFAULT_ROLES
from xinghuo.workforce.models import Role, RoleChangeRequest, Skill, Worker

pytestmark = pytest.mark.django_db


def role_id(code: str) -> int:
    return Role.objects.get(code=code).pk


def test_the_seven_default_roles_exist(api, make_worker):
    resp = api(make_worker().user).get("/roles")
    assert [r["name"] for r in resp.json()["items"]] == [name for _c, name, _e in DEFAULT_ROLES]
    assert resp.json()["count"] == 7


def test_registration_with_a_chosen_role(make_worker):
    worker = make_worker(role_id=role_id("power_generation"))
    assert worker.role.name == "发电人员"


# --- role change -----------------------------------------------------------------------


def test_role_changes_only_after_operator_approval(api, make_worker, operator):
    worker = make_worker()
    client = api(worker.user)
    resp = client.post(
        "/workers/me/role-change-requests",
        {"to_role_id": role_id("repair"), "reason": "取得了维修资质"},
    )
    assert resp.status_code == 201
    request_id = resp.json()["id"]
    assert client.get("/workers/me").json()["role"]["code"] == "daily_maintenance"

    queue = api(operator).get("/role-change-requests").json()
    assert [r["id"] for r in queue["items"]] == [request_id]
    approved = api(operator).post(f"/role-change-requests/{request_id}/approve", {"note": "同意"})
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert client.get("/workers/me").json()["role"]["code"] == "repair"


def test_rejected_request_keeps_the_role_and_tells_the_reason(api, make_worker, operator):
    worker = make_worker()
    client = api(worker.user)
    request_id = client.post(
        "/workers/me/role-change-requests", {"to_role_id": role_id("station_head")}
    ).json()["id"]
    no_reason = api(operator).post(f"/role-change-requests/{request_id}/reject", {"reason": " "})
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "reason_required"
    resp = api(operator).post(
        f"/role-change-requests/{request_id}/reject", {"reason": "缺少站长任职经历"}
    )
    assert resp.status_code == 200
    mine = client.get("/workers/me/role-change-requests").json()["items"][0]
    assert mine["status"] == "rejected"
    assert mine["review_note"] == "缺少站长任职经历"
    worker.refresh_from_db()
    assert worker.role.code == "daily_maintenance"


def test_a_request_is_reviewed_once(api, make_worker, operator):
    worker = make_worker()
    request_id = (
        api(worker.user)
        .post("/workers/me/role-change-requests", {"to_role_id": role_id("repair")})
        .json()["id"]
    )
    assert api(operator).post(f"/role-change-requests/{request_id}/approve", {}).status_code == 200
    again = api(operator).post(f"/role-change-requests/{request_id}/reject", {"reason": "晚了"})
    assert again.status_code == 409
    assert again.json()["code"] == "already_reviewed"
    worker.refresh_from_db()
    assert worker.role.code == "repair"


def test_workers_cannot_approve_role_changes(api, make_worker):
    worker = make_worker()
    request_id = (
        api(worker.user)
        .post("/workers/me/role-change-requests", {"to_role_id": role_id("repair")})
        .json()["id"]
    )
    for who in (worker.user, make_worker().user):
        resp = api(who).post(f"/role-change-requests/{request_id}/approve", {})
        assert resp.status_code == 404
        assert api(who).get("/role-change-requests").status_code == 403
    worker.refresh_from_db()
    assert worker.role.code == "daily_maintenance"
    assert RoleChangeRequest.objects.get().status == "pending"


def test_one_pending_request_at_a_time_and_not_for_the_same_role(api, make_worker):
    client = api(make_worker().user)
    same = client.post(
        "/workers/me/role-change-requests", {"to_role_id": role_id("daily_maintenance")}
    )
    assert same.status_code == 422
    assert same.json()["code"] == "same_role"
    assert (
        client.post(
            "/workers/me/role-change-requests", {"to_role_id": role_id("repair")}
        ).status_code
        == 201
    )
    second = client.post("/workers/me/role-change-requests", {"to_role_id": role_id("monitoring")})
    assert second.status_code == 409
    assert second.json()["code"] == "request_pending"
    assert RoleChangeRequest.objects.count() == 1


def test_unknown_role_is_not_found(api, make_worker):
    resp = api(make_worker().user).post("/workers/me/role-change-requests", {"to_role_id": 9999})
    assert resp.status_code == 404
    assert resp.json()["code"] == "role_not_found"


# --- employer roles --------------------------------------------------------------------


def test_employer_adds_a_role_that_only_its_members_list_but_workers_may_request(
    api, make_employer, make_worker, operator
):
    alice, org_a = make_employer()
    bob, org_b = make_employer()
    resp = api(alice).post(
        f"/organizations/{org_a.pk}/roles", {"name": "光缆巡线员", "name_en": "Fibre patrol"}
    )
    assert resp.status_code == 201
    new_role = resp.json()
    assert new_role["organization_id"] == org_a.pk
    own = api(alice).get("/roles", {"organization_id": org_a.pk}).json()
    assert "光缆巡线员" in [r["name"] for r in own["items"]]
    bobs = api(bob).get("/roles", {"organization_id": org_b.pk}).json()
    assert "光缆巡线员" not in [r["name"] for r in bobs["items"]]
    assert api(bob).get("/roles", {"organization_id": org_a.pk}).status_code == 404
    assert (
        api(bob).post(f"/organizations/{org_a.pk}/roles", {"name": "偷偷加的"}).status_code == 404
    )
    worker = make_worker()
    asked = api(worker.user).post(
        "/workers/me/role-change-requests", {"to_role_id": new_role["id"]}
    )
    assert asked.status_code == 201


def test_an_employer_role_may_not_shadow_a_default(api, make_employer):
    owner, org = make_employer()
    resp = api(owner).post(f"/organizations/{org.pk}/roles", {"name": "发电人员"})
    assert resp.status_code == 409


# --- the worker's tags -----------------------------------------------------------------


def test_worker_sets_regions_grids_and_skills(api, make_worker, hangzhou):
    client = api(make_worker().user)
    skills = list(Skill.objects.filter(code__in=["work_at_height", "fiber_splicing"]))
    resp = client.put(
        "/workers/me/areas",
        {"region_ids": [hangzhou["district"].pk], "grid_ids": [hangzhou["north"].pk]},
    )
    assert resp.status_code == 200
    assert resp.json()["region_ids"] == [hangzhou["district"].pk]
    resp = client.put("/workers/me/skills", {"skill_ids": [s.pk for s in skills]})
    got = {s["code"]: s for s in resp.json()["skills"]}
    assert set(got) == {"work_at_height", "fiber_splicing"}
    # Declared is not certified: no validity dates until a certification grants them.
    assert got["work_at_height"]["requires_certification"] is True
    assert got["work_at_height"]["valid_until"] is None


def test_unknown_region_ids_change_nothing(api, make_worker, hangzhou):
    worker = make_worker()
    client = api(worker.user)
    client.put("/workers/me/areas", {"region_ids": [hangzhou["district"].pk]})
    resp = client.put("/workers/me/areas", {"region_ids": [hangzhou["city"].pk, 424242]})
    assert resp.status_code == 422
    assert resp.json()["detail"]["ids"] == [424242]
    assert list(worker.regions.values_list("pk", flat=True)) == [hangzhou["district"].pk]


def test_position_is_stored_in_wgs84_and_older_reports_do_not_overwrite(api, make_worker):
    worker = make_worker()
    client = api(worker.user)
    now = timezone.now()
    resp = client.post("/workers/me/position", {"lat": 30.26, "lng": 120.10, "at": now.isoformat()})
    assert resp.status_code == 200
    late = client.post(
        "/workers/me/position",
        {"lat": 30.20, "lng": 120.05, "at": (now - timedelta(minutes=3)).isoformat()},
    )
    assert late.json()["last_lat"] == pytest.approx(30.26)
    gcj = client.post("/workers/me/position", {"lat": 30.26, "lng": 120.11, "datum": "gcj02"})
    assert gcj.json()["last_lng"] != pytest.approx(120.11, abs=1e-3)


def test_position_outside_china_is_rejected(api, make_worker):
    worker = make_worker()
    resp = api(worker.user).post("/workers/me/position", {"lat": 51.5, "lng": -0.12})
    assert resp.status_code == 422
    assert resp.json()["code"] == "coordinates_outside_china"
    worker.refresh_from_db()
    assert worker.last_lat is None


def test_worker_status(api, make_worker):
    client = api(make_worker().user)
    assert client.put("/workers/me/status", {"status": "available"}).json()["status"] == "available"
    assert client.put("/workers/me/status", {"status": "asleep"}).status_code == 422


def test_an_employer_without_a_worker_profile_gets_404_on_worker_endpoints(api, make_employer):
    owner, _org = make_employer()
    resp = api(owner).get("/workers/me")
    assert resp.status_code == 404
    assert resp.json()["code"] == "worker_not_found"


def test_team_membership_needs_the_invited_workers_acceptance(api, make_worker):
    leader = make_worker(name="王班长")
    member = make_worker(name="赵队员")
    other_leader = make_worker(name="钱班长")
    resp = api(leader.user).post("/teams", {"name": "西湖油机班"})
    assert resp.status_code == 201
    sent = api(leader.user).post("/teams/mine/invitations", {"phone": member.user.phone})
    assert sent.status_code == 202, sent.content
    assert Worker.objects.get(pk=member.pk).team_id is None  # not before he accepts
    api(other_leader.user).post("/teams", {"name": "滨江班"})
    api(other_leader.user).post("/teams/mine/invitations", {"phone": member.user.phone})
    me = api(member.user)
    invitations = me.get("/workers/me/team-invitations").json()
    assert sorted(i["team_name"] for i in invitations) == ["滨江班", "西湖油机班"]
    first = next(i for i in invitations if i["team_name"] == "西湖油机班")
    second = next(i for i in invitations if i["team_name"] == "滨江班")
    # Nobody else can answer his invitation.
    assert (
        api(other_leader.user)
        .post(f"/workers/me/team-invitations/{first['id']}/accept")
        .status_code
        == 404
    )
    joined = me.post(f"/workers/me/team-invitations/{first['id']}/accept")
    assert joined.status_code == 200 and joined.json()["name"] == "西湖油机班"
    assert Worker.objects.get(pk=member.pk).team.name == "西湖油机班"
    busy = me.post(f"/workers/me/team-invitations/{second['id']}/accept")
    assert busy.status_code == 409 and busy.json()["code"] == "already_in_team"
    assert me.post(f"/workers/me/team-invitations/{second['id']}/decline").status_code == 204
    assert me.get("/workers/me/team-invitations").json() == []
    not_leader = api(member.user).post("/teams/mine/invitations", {"phone": "13912345678"})
    assert not_leader.status_code == 403


def test_team_invitation_answers_the_same_whether_the_number_is_registered_or_not(api, make_worker):
    leader = make_worker(name="王班长")
    registered = make_worker(name="已注册")
    in_a_team = make_worker(name="有班组")
    api(in_a_team.user).post("/teams", {"name": "别的班"})
    client = api(leader.user)
    client.post("/teams", {"name": "西湖油机班"})
    answers = []
    for phone in (registered.user.phone, "13987654321", in_a_team.user.phone):
        resp = client.post("/teams/mine/invitations", {"phone": phone})
        body = resp.json()
        answers.append((resp.status_code, sorted(body), body["status"]))
    assert answers[0] == answers[1] == answers[2] == (202, ["phone_masked", "status"], "sent")


def test_team_invitations_are_rate_limited_per_leader(api, make_worker, settings):
    settings.TEAM_INVITATIONS_PER_DAY = 2
    leader = make_worker(name="王班长")
    client = api(leader.user)
    client.post("/teams", {"name": "西湖油机班"})
    codes = [
        client.post("/teams/mine/invitations", {"phone": f"1390000990{n}"}).status_code
        for n in range(3)
    ]
    assert codes == [202, 202, 429]


def test_operator_lists_workers_by_region(api, make_worker, operator, hangzhou):
    inside = make_worker()
    make_worker()
    api(inside.user).put("/workers/me/areas", {"region_ids": [hangzhou["district"].pk]})
    resp = api(operator).get("/workers", {"region_id": hangzhou["city"].pk})
    assert [w["id"] for w in resp.json()["items"]] == [inside.pk]
    assert api(inside.user).get("/workers").status_code == 403
