"""Demo work orders: a few dozen orders of both employers in every state of their life,
made through the same services the pages and the API use."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from stdnum import luhn

from xinghuo.accounts.models import Membership, Organization, User
from xinghuo.core import money
from xinghuo.core.exceptions import ApplicationError
from xinghuo.dispatch import selectors as dispatch_selectors
from xinghuo.dispatch import services as dispatch_services
from xinghuo.identity import selectors as identity_selectors
from xinghuo.regions.models import Site
from xinghuo.settlement import services as settlement_services
from xinghuo.work_orders import services as order_services
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workflows import services as workflows
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Role, Skill, Worker


@dataclass(frozen=True)
class OrderTemplate:
    title: str
    role: str | None
    skills: tuple[str, ...]
    priority: str
    price_yuan: int
    points: int
    minutes: int
    hours_to_deadline: int


TEMPLATES = [
    OrderTemplate(
        "基站月度巡检", "daily_maintenance", ("bts_maintenance",), "normal", 180, 10, 90, 48
    ),
    OrderTemplate(
        "蓄电池组核容测试",
        "daily_maintenance",
        ("battery_maintenance",),
        "normal",
        260,
        15,
        180,
        72,
    ),
    OrderTemplate("机房环境卫生与门禁检查", "daily_maintenance", (), "normal", 120, 8, 60, 36),
    OrderTemplate(
        "市电停电油机发电保障", "power_generation", ("generator",), "urgent", 450, 25, 240, 6
    ),
    OrderTemplate("开关电源模块更换", "repair", ("electrician",), "urgent", 380, 20, 120, 8),
    OrderTemplate(
        "空调不制冷故障处理", "repair", ("air_conditioning",), "normal", 300, 18, 120, 24
    ),
    OrderTemplate(
        "铁塔螺栓紧固与防腐", "construction", ("work_at_height",), "normal", 520, 30, 300, 96
    ),
    OrderTemplate("光缆中断抢修", None, ("fiber_splicing",), "urgent", 600, 30, 240, 6),
    OrderTemplate("动环监控告警核查", "monitoring", ("env_monitoring",), "normal", 150, 8, 60, 24),
    OrderTemplate("物业协调进站", "property_liaison", (), "normal", 100, 5, 60, 48),
]

# How far each demo order gets: (final step, share).
FATES = [
    ("published", 0.40),
    ("assigned", 0.10),
    ("en_route", 0.10),
    ("on_site", 0.10),
    ("delivered", 0.10),
    ("accepted", 0.15),
    ("cancelled", 0.05),
]
ORDERS_PER_EMPLOYER = 18
# Debit-card BINs of ICBC, CCB, ABC and BOC (in the shipped BIN table).
DEBIT_BINS = ("622202", "621700", "622848", "621661")


def build_orders(
    *, rng: random.Random, now: datetime, organizations: list[Organization], demo_district_code: str
) -> int:
    """Create the demo orders; returns how many were made."""
    roles = {r.code: r for r in Role.objects.filter(organization__isnull=True)}
    skills = {s.code: s for s in Skill.objects.all()}
    _bind_payout_accounts(rng)
    made = 0
    for org in organizations:
        owner = Membership.objects.get(organization=org, role=Membership.Role.OWNER).user
        # The employer's opening escrow balance: a transfer the bank notified, its memo
        # carrying the employer's top-up code.
        settlement_services.bank_credit_receive.nested(
            txn_id=f"DEMO-{org.pk}-0001",
            amount_fen=20_000_000,
            payer_name=org.name,
            memo=f"星火平台充值 {settlement_services.topup_code(org)}",
        )
        sites = list(Site.objects.filter(organization=org).order_by("code"))
        # The demo worker's district always has open daily-maintenance work.
        home_sites = [
            s for s in sites if s.region.parent and s.region.parent.code == demo_district_code
        ]
        plan = [(TEMPLATES[0], site, "published") for site in home_sites[:2]]
        for _ in range(ORDERS_PER_EMPLOYER - len(plan)):
            fate = rng.choices([f for f, _w in FATES], [w for _f, w in FATES])[0]
            plan.append((rng.choice(TEMPLATES), rng.choice(sites), fate))
        for template, site, fate in plan:
            draft = order_services.OrderDraft(
                site_id=site.pk,
                title=template.title,
                description=f"{site.name}：{template.title}。请按维护规程作业，完成后拍照上传。",
                required_role_id=roles[template.role].pk if template.role else None,
                required_skill_ids=[skills[c].pk for c in template.skills],
                priority=template.priority,
                deadline_at=now + timedelta(hours=template.hours_to_deadline),
                estimated_minutes=template.minutes,
                price_fen=money.yuan_to_fen(template.price_yuan),
                base_points=template.points,
            )
            order = workflows.work_order_create(actor=owner, organization=org, draft=draft).order
            made += 1
            _advance(rng=rng, order=order, owner=owner, organization=org, fate=fate)
    return made


def _advance(
    *, rng: random.Random, order: WorkOrder, owner: User, organization: Organization, fate: str
) -> None:
    if fate == "published":
        return
    if fate == "cancelled":
        workflows.work_order_cancel(
            actor=owner,
            organization=organization,
            order_id=order.pk,
            reason="站点业务调整，取消作业",
        )
        return
    candidates = list(
        dispatch_selectors.workers_eligible_for_order(order=order)
        .exclude(user__phone="13900000001")  # keep the demo worker's own day open for the visitor
        .order_by("pk")
    )
    rng.shuffle(candidates)
    site = order.site
    for worker in candidates:
        # The demo employer's regular crew: they let it assign them directly (no offer).
        dispatch_services.direct_assignment_consent_set(
            worker=worker, organization_id=organization.pk, allowed=True
        )
        try:
            dispatch_services.work_order_assign(
                actor=owner,
                organization=organization,
                work_order_id=order.pk,
                worker_id=worker.pk,
            )
        except ApplicationError:  # at his cap of open orders: try the next one
            continue
        break
    else:
        return  # nobody free: the order stays open
    if fate == "assigned":
        return
    order_services.work_order_depart(
        worker=worker, order_id=order.pk, lat=site.lat - 0.01, lng=site.lng - 0.01
    )
    workforce_services.worker_set_status(worker=worker, status=Worker.Status.BUSY)
    if fate == "en_route":
        return
    order_services.work_order_report_position(
        worker=worker, order_id=order.pk, lat=site.lat - 0.004, lng=site.lng - 0.004
    )
    order_services.work_order_check_in(
        worker=worker, order_id=order.pk, lat=site.lat + 0.0003, lng=site.lng - 0.0002
    )
    if fate == "on_site":
        return
    order_services.work_order_deliver(
        worker=worker, order_id=order.pk, note="已按规程完成作业，设备运行正常，告警已清除。"
    )
    if fate == "delivered":
        return
    workflows.work_order_accept(
        actor=owner,
        organization=organization,
        order_id=order.pk,
        rating=rng.choice([5, 5, 4, 4, 3]),
        comment=rng.choice(["处理及时", "照片清晰，记录完整", "按时到场", ""]),
    )


def _bind_payout_accounts(rng: random.Random) -> None:
    """Every verified demo worker gets where to be paid: Alipay (his phone) or a debit card
    of one of the big four banks (a valid check digit, so the bank is recognised)."""
    verified = identity_selectors.verified_worker_ids()
    for worker in Worker.objects.filter(pk__in=verified).select_related("user").order_by("pk"):
        if rng.random() < 0.5:
            channel, account = "alipay", worker.user.phone
        else:
            body = rng.choice(DEBIT_BINS) + "".join(str(rng.randint(0, 9)) for _ in range(12))
            channel, account = "bank", body + luhn.calc_check_digit(body)
        settlement_services.payout_account_add(
            worker=worker, channel=channel, account=account, account_name=worker.user.name
        )
