"""Sixty workers over the seven default roles: their names and phones, the districts and
grids they serve, their skills and certificates, their status and position. The first is
the demo worker, whose profile is fixed rather than drawn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from xinghuo.regions.models import Grid
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Role, Skill, Worker

from .certificates import certify
from .context import DEMO_PASSWORD, DEMO_WORKER_PHONE, WORKER_COUNT, BuildContext, DemoLogin
from .geography import DISTRICTS, NEIGHBOURS, random_point_in

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏方邹孟熊秦邱江尹薛段雷侯史陶顾毛邵钱严楼应俞"
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Whole given names, so that the characters of a name go together.
GIVEN_NAMES = _words(
    "伟 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 波 宇 浩 凯 健 俊 帆 旭 宁 龙 林 阳 "
    "建国 建华 志强 志刚 海波 海涛 晓东 晓峰 俊杰 浩然 国平 立新 文斌 振宇 明辉 永刚 "
    "鹏飞 子豪 家乐 宇航 晨阳 建军 卫东 小龙 金良 国强 红军 伟民 德华 永康 杭生 江涛 "
    "浙平 丽华 晓燕 婷婷 雪梅 春燕 佳怡 丽娟 秀英 海燕 静 敏 芳 颖 红霞"
)

# How many of the 60 workers hold each default role; most do daily maintenance.
ROLE_MIX: tuple[tuple[str, int], ...] = (
    ("daily_maintenance", 18),
    ("power_generation", 8),
    ("construction", 8),
    ("repair", 8),
    ("property_liaison", 6),
    ("monitoring", 6),
    ("station_head", 6),
)

# role → (skills every holder has, skills some have); a worker holds 2–4 in all.
ROLE_SKILLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "daily_maintenance": (
        ("bts_maintenance",),
        ("battery_maintenance", "env_monitoring", "work_at_height", "fiber_splicing", "driving"),
    ),
    "power_generation": (
        ("generator", "power_operation"),
        ("electrician", "driving", "battery_maintenance"),
    ),
    "construction": (
        ("work_at_height",),
        ("tower_maintenance", "welding", "electrician", "fiber_splicing"),
    ),
    "repair": (
        ("electrician",),
        ("air_conditioning", "power_operation", "battery_maintenance", "bts_maintenance"),
    ),
    "property_liaison": (("driving",), ("bts_maintenance", "env_monitoring")),
    "monitoring": (("env_monitoring",), ("power_operation", "bts_maintenance")),
    "station_head": (
        ("bts_maintenance",),
        ("power_operation", "env_monitoring", "driving", "electrician"),
    ),
}
# The demo worker's profile is fixed, not drawn, so that the worker login always shows
# someone in 西湖区 who can take ordinary maintenance work.
DEMO_WORKER_GRID = "西湖文教网格"
DEMO_WORKER_SKILLS = ("bts_maintenance", "battery_maintenance", "work_at_height", "electrician")

STATUS_WEIGHTS: tuple[tuple[str, float], ...] = (
    (Worker.Status.AVAILABLE, 0.55),
    (Worker.Status.BUSY, 0.20),
    (Worker.Status.OFF_DUTY, 0.25),
)


DISTRICT_WEIGHTS = (0.3, 0.2, 0.3, 0.2)  # 上城, 拱墅, 西湖, 滨江 (DISTRICTS' order)


def _unique_names(ctx: BuildContext, n: int) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        name = ctx.rng.choice(SURNAMES) + ctx.rng.choice(GIVEN_NAMES)
        if name not in names:
            names.append(name)
    return names


def _unique_phones(ctx: BuildContext, n: int) -> list[str]:
    phones = [DEMO_WORKER_PHONE]
    while len(phones) < n:
        phone = f"139{ctx.rng.randrange(10**8):08d}"
        if phone not in phones:
            phones.append(phone)
    return phones


@dataclass(frozen=True)
class _Catalogue:
    """The default roles and the skills, by code."""

    roles: dict[str, Role]
    skills: dict[str, Skill]


def build_workers(ctx: BuildContext) -> list[Worker]:
    catalogue = _Catalogue(
        roles={r.code: r for r in Role.objects.filter(organization__isnull=True)},
        skills={s.code: s for s in Skill.objects.all()},
    )
    role_codes = [code for code, n in ROLE_MIX for _ in range(n)]
    assert len(role_codes) == WORKER_COUNT
    # The demo worker (first) does daily maintenance; the others are shuffled.
    role_codes.remove("daily_maintenance")
    ctx.rng.shuffle(role_codes)
    role_codes.insert(0, "daily_maintenance")
    names = _unique_names(ctx, WORKER_COUNT)
    phones = _unique_phones(ctx, WORKER_COUNT)

    workers: list[Worker] = []
    for i, (name, phone, role_code) in enumerate(zip(names, phones, role_codes, strict=True)):
        demo = i == 0
        worker = workforce_services.worker_register(
            phone=phone, password=DEMO_PASSWORD, name=name, role_id=catalogue.roles[role_code].pk
        )
        home = _set_areas(ctx, worker, demo=demo)
        _set_skills(ctx, worker, catalogue, role_code=role_code, demo=demo)
        _set_status(ctx, worker, home=home, demo=demo)
        workers.append(worker)
        if demo:
            ctx.logins.append(
                DemoLogin(f"Worker, {catalogue.roles[role_code].name}", phone, worker.user.name)
            )
    ctx.log(f"Workers: {len(workers)}")
    return workers


def _set_areas(ctx: BuildContext, worker: Worker, *, demo: bool) -> str:
    """A home district, sometimes a neighbour too, sometimes named grids; returns the home
    district's code."""
    district_codes = [spec.code for spec in DISTRICTS]
    home = "330106" if demo else ctx.rng.choices(district_codes, DISTRICT_WEIGHTS)[0]
    served = [home]
    if not demo and ctx.rng.random() < 0.35:
        served.append(ctx.rng.choice(NEIGHBOURS[home]))
    grids: list[Grid] = []
    if demo:
        grids = [g for g in ctx.city.grids[home] if g.name == DEMO_WORKER_GRID]
    elif ctx.rng.random() < 0.4:
        pool = [g for code in served for g in ctx.city.grids[code]]
        grids = ctx.rng.sample(pool, ctx.rng.choice((1, 1, 2)))
    workforce_services.worker_set_areas(
        worker=worker,
        region_ids=[ctx.city.districts[code].pk for code in served],
        grid_ids=[g.pk for g in grids],
    )
    return home


def _set_skills(
    ctx: BuildContext, worker: Worker, catalogue: _Catalogue, *, role_code: str, demo: bool
) -> None:
    """The role's own skills, then extras up to 2–4 in all, with a certificate for each
    skill that requires one."""
    skills = catalogue.skills
    core, extra = ROLE_SKILLS[role_code]
    if demo:
        chosen = list(DEMO_WORKER_SKILLS)
    else:
        total = ctx.rng.randint(max(2, len(core)), min(4, len(core) + len(extra)))
        chosen = list(core) + ctx.rng.sample(extra, total - len(core))
    workforce_services.worker_set_skills(worker=worker, skill_ids=[skills[c].pk for c in chosen])
    for code in sorted(chosen):
        if skills[code].requires_certification:
            certify(ctx, worker, skills[code], always_valid=demo)


def _set_status(ctx: BuildContext, worker: Worker, *, home: str, demo: bool) -> None:
    """A drawn status and, for the available, a fresh position inside the home district."""
    status = (
        Worker.Status.AVAILABLE
        if demo
        else ctx.rng.choices([s for s, _w in STATUS_WEIGHTS], [w for _s, w in STATUS_WEIGHTS])[0]
    )
    workforce_services.worker_set_status(worker=worker, status=status)
    if status == Worker.Status.AVAILABLE:
        lat, lng = random_point_in(ctx.rng, ctx.city.districts[home].boundary or {})
        workforce_services.worker_report_position(
            worker=worker,
            lat=lat,
            lng=lng,
            at=ctx.now - timedelta(minutes=ctx.rng.randint(1, 45)),
        )
