"""A deterministic demo city: Hangzhou with regions, grids, sites, two employers and
sixty workers, built through the apps' services so that the demo obeys the same
rules as real data.

Everything that can vary comes from one ``random.Random(SEED)`` consumed in a fixed
order, so two builds on empty databases give the same coordinates, phones, names and
skills. Only times follow the clock: certification dates are relative to the day of
the build (so "expired" stays expired and "valid" stays valid whenever the demo is
loaded) and positions are stamped a few minutes before the build.

Workers' identities, agreements and certificates go through the identity, contracts and
certification services (reviewed by the demo operator; see ``clearance.py``). The ORM is
written to directly only where no service exists on purpose (``_make_superuser``).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone
from PIL import Image
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import shape
from stdnum.cn import uscc

from xinghuo.accounts import services as account_services
from xinghuo.accounts.models import Membership, Organization, User
from xinghuo.certification import services as certification_services
from xinghuo.certification.models import Certification
from xinghuo.identity import services as identity_services
from xinghuo.identity.services import employer as employer_verification_services
from xinghuo.regions import services as region_services
from xinghuo.regions.models import Grid, Region, Site
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Role, RoleChangeRequest, Skill, Team, Worker, WorkerSkill

from .clearance import identity_submit, person_for, worker_clear
from .corrections import build_corrections
from .licence import licence_image
from .offers import build_offers
from .orders import build_orders
from .returns import build_returns_summary
from .topups import build_topups

SEED = 20261127
# Published on purpose: the summary and the README give it to whoever runs the demo.
DEMO_PASSWORD = "Xinghuo@2026"  # noqa: S105

OPERATOR_PHONE = "13800000001"
TOWER_OWNER_PHONE = "13800000002"
OM_OWNER_PHONE = "13800000003"
APPLICANT_OWNER_PHONE = "13800000004"
DEMO_WORKER_PHONE = "13900000001"

WORKER_COUNT = 60
SITES_PER_GRID = 4


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


# --- geography ---------------------------------------------------------------------------

BBox = tuple[float, float, float, float]  # min lng, min lat, max lng, max lat


def rect(bbox: BBox) -> dict[str, Any]:
    """A GeoJSON Polygon ([lng, lat], counter-clockwise) for a bounding box."""
    min_lng, min_lat, max_lng, max_lat = bbox
    ring = [
        [min_lng, min_lat],
        [max_lng, min_lat],
        [max_lng, max_lat],
        [min_lng, max_lat],
        [min_lng, min_lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass(frozen=True)
class GridSpec:
    name: str
    landmarks: tuple[str, ...]  # one site near each


@dataclass(frozen=True)
class AreaSpec:
    """维护片区 — a level-4 region; its grids split it into strips (west→east or south→north)."""

    code: str
    name: str
    bbox: BBox
    grids: tuple[GridSpec, ...]


@dataclass(frozen=True)
class DistrictSpec:
    code: str
    name: str
    short: str
    abbr: str  # in site and grid codes: HZ-XH-0012
    bbox: BBox
    areas: tuple[AreaSpec, ...]


PROVINCE_BBOX: BBox = (118.0, 27.0, 123.0, 31.2)
CITY_BBOX: BBox = (119.9, 30.05, 120.5, 30.45)

# Rectangles approximating the districts around their real centres (WGS-84), kept
# 0.002° (~200 m) apart so that no point belongs to two districts. 西湖区 lies west of
# the lake, 上城区 east of it down to the Qiantang, 拱墅区 north along the Grand Canal,
# 滨江区 on the south bank of the Qiantang.
DISTRICTS: tuple[DistrictSpec, ...] = (
    DistrictSpec(
        code="330102",
        name="上城区",
        short="上城",
        abbr="SC",
        bbox=(120.150, 30.222, 120.280, 30.298),
        areas=(
            AreaSpec(
                code="330102-01",
                name="上城湖滨片区",
                bbox=(120.150, 30.222, 120.198, 30.298),
                grids=(GridSpec("湖滨网格", ("湖滨银泰", "清河坊", "南山路", "杭州城站")),),
            ),
            AreaSpec(
                code="330102-02",
                name="上城钱江片区",
                bbox=(120.200, 30.222, 120.280, 30.298),
                grids=(
                    GridSpec("钱江新城网格", ("杭州市民中心", "来福士广场", "望江门", "四季青")),
                    GridSpec("九堡网格", ("九堡客运中心", "笕桥老街", "彭埠", "三堡船闸")),
                ),
            ),
        ),
    ),
    DistrictSpec(
        code="330105",
        name="拱墅区",
        short="拱墅",
        abbr="GS",
        bbox=(120.080, 30.300, 120.200, 30.380),
        areas=(
            AreaSpec(
                code="330105-01",
                name="拱墅武林片区",
                bbox=(120.080, 30.300, 120.200, 30.338),
                grids=(GridSpec("武林网格", ("西湖文化广场", "武林广场", "朝晖", "湖墅南路")),),
            ),
            AreaSpec(
                code="330105-02",
                name="拱墅运河片区",
                bbox=(120.080, 30.340, 120.200, 30.380),
                grids=(GridSpec("运河网格", ("运河天地", "拱宸桥", "大关", "半山")),),
            ),
        ),
    ),
    DistrictSpec(
        code="330106",
        name="西湖区",
        short="西湖",
        abbr="XH",
        bbox=(120.020, 30.160, 120.148, 30.298),
        areas=(
            AreaSpec(
                code="330106-01",
                name="西湖北片区",
                bbox=(120.020, 30.232, 120.148, 30.298),
                grids=(
                    GridSpec("西溪网格", ("西溪湿地东门", "蒋村花园", "五常港", "留下老街")),
                    GridSpec("文教网格", ("黄龙体育中心", "浙大玉泉校区", "文三路", "古荡新村")),
                ),
            ),
            AreaSpec(
                code="330106-02",
                name="西湖南片区",
                bbox=(120.020, 30.160, 120.148, 30.230),
                grids=(GridSpec("之江网格", ("之江度假区", "转塘象山", "灵隐景区", "龙井村")),),
            ),
        ),
    ),
    DistrictSpec(
        code="330108",
        name="滨江区",
        short="滨江",
        abbr="BJ",
        bbox=(120.150, 30.160, 120.260, 30.220),
        areas=(
            AreaSpec(
                code="330108-01",
                name="滨江高新片区",
                bbox=(120.150, 30.160, 120.260, 30.220),
                grids=(
                    GridSpec("长河网格", ("长河老街", "江南大道", "浦沿", "白马湖")),
                    GridSpec("高新网格", ("滨江物联网街", "星光大道", "奥体中心", "江陵路")),
                ),
            ),
        ),
    ),
)

# Districts that share a border or a bridge: a worker's second district is a neighbour.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "330102": ("330105", "330106", "330108"),
    "330105": ("330102", "330106"),
    "330106": ("330102", "330105", "330108"),
    "330108": ("330102", "330106"),
}

GRID_INSET = 0.001  # grids keep ~100 m off their area's border


def split_bbox(bbox: BBox, parts: int) -> list[BBox]:
    """Cut a box into `parts` strips along its longer side, each inset by GRID_INSET."""
    min_lng, min_lat, max_lng, max_lat = bbox
    strips: list[BBox] = []
    for i in range(parts):
        if max_lng - min_lng >= max_lat - min_lat:
            step = (max_lng - min_lng) / parts
            box = (min_lng + i * step, min_lat, min_lng + (i + 1) * step, max_lat)
        else:
            step = (max_lat - min_lat) / parts
            box = (min_lng, min_lat + i * step, max_lng, min_lat + (i + 1) * step)
        strips.append(
            (
                round(box[0] + GRID_INSET, 6),
                round(box[1] + GRID_INSET, 6),
                round(box[2] - GRID_INSET, 6),
                round(box[3] - GRID_INSET, 6),
            )
        )
    return strips


def random_point_in(rng: random.Random, polygon: dict[str, Any]) -> tuple[float, float]:
    """(lat, lng) drawn uniformly inside a GeoJSON polygon, rounded to ~0.1 m."""
    geom = shape(polygon)
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    while True:
        lng = round(rng.uniform(min_lng, max_lng), 6)
        lat = round(rng.uniform(min_lat, max_lat), 6)
        if geom.contains(ShapelyPoint(lng, lat)):
            return lat, lng


# --- organizations -----------------------------------------------------------------------

SITE_SUFFIX: dict[str, str] = {
    Site.Kind.TOWER: "铁塔站",
    Site.Kind.BASE_STATION: "基站",
    Site.Kind.MACHINE_ROOM: "机房",
    Site.Kind.INDOOR: "室分站",
}
# Each grid's sites are shared half and half: the tower company owns towers and indoor
# distribution, the O&M company the operators' base stations and machine rooms it
# maintains under contract.
SITE_KINDS_BY_EMPLOYER: dict[str, tuple[tuple[str, float], ...]] = {
    "tower": ((Site.Kind.TOWER, 0.7), (Site.Kind.INDOOR, 0.3)),
    "om": ((Site.Kind.BASE_STATION, 0.5), (Site.Kind.MACHINE_ROOM, 0.5)),
}


@dataclass(frozen=True)
class StaffSpec:
    phone: str
    name: str
    role: str  # Membership.Role


@dataclass(frozen=True)
class EmployerSpec:
    key: str
    name: str
    division: str  # administrative division of registration, digits 3-8 of the USCC
    owner_phone: str
    owner_name: str
    staff: tuple[StaffSpec, ...]
    # What its business licence (营业执照) says, for the employer verification.
    legal_representative: str = ""
    address: str = ""
    established_on: date = date(2010, 1, 1)
    registered_capital: str = ""


EMPLOYERS: tuple[EmployerSpec, ...] = (
    EmployerSpec(
        key="tower",
        name="中国铁塔股份有限公司杭州市分公司",
        division="330100",
        owner_phone=TOWER_OWNER_PHONE,
        owner_name="周建国",
        staff=(
            StaffSpec("13800000012", "陈思远", Membership.Role.ADMIN),
            StaffSpec("13800000013", "王立峰", Membership.Role.DISPATCHER),
            StaffSpec("13800000014", "沈丽娟", Membership.Role.FINANCE),
            StaffSpec("13800000015", "赵敏", Membership.Role.VIEWER),
        ),
        legal_representative="张志勇",
        address="浙江省杭州市上城区解放东路29号",
        established_on=date(2014, 12, 8),
        registered_capital="人民币壹仟万元",
    ),
    EmployerSpec(
        key="om",
        name="浙江通服网络运维有限公司",
        division="330000",
        owner_phone=OM_OWNER_PHONE,
        owner_name="徐海涛",
        staff=(
            StaffSpec("13800000022", "郑凯", Membership.Role.ADMIN),
            StaffSpec("13800000023", "孙志强", Membership.Role.DISPATCHER),
            StaffSpec("13800000024", "吴晓燕", Membership.Role.FINANCE),
            StaffSpec("13800000025", "钱宇", Membership.Role.VIEWER),
        ),
        legal_representative="徐海涛",
        address="浙江省杭州市滨江区江南大道3850号",
        established_on=date(2008, 6, 18),
        registered_capital="人民币伍仟万元",
    ),
)
# A small contractor whose verification waits in the operator's queue; it has no sites
# and publishes nothing, so the two employers above keep the demo's orders.
APPLICANT = EmployerSpec(
    key="applicant",
    name="杭州星联通信工程有限公司",
    division="330106",
    owner_phone=APPLICANT_OWNER_PHONE,
    owner_name="何俊",
    staff=(),
    legal_representative="何俊",
    address="浙江省杭州市西湖区文一西路522号",
    established_on=date(2021, 3, 15),
    registered_capital="人民币贰佰万元",
)

_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organization_code(body: str) -> str:
    """The 9-character organization code (GB 11714): 8 digits and their check character."""
    remainder = 11 - sum(int(c) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True)) % 11
    check = {10: "X", 11: "0"}.get(remainder, str(remainder))
    return body + check


def credit_code(rng: random.Random, *, division: str) -> str:
    """A valid unified social credit code: 9 (SAMR) 1 (enterprise), division, org code, check."""
    first17 = "91" + division + organization_code(f"{rng.randrange(10**8):08d}")
    return first17 + uscc.calc_check_digit(first17)


# --- workers -----------------------------------------------------------------------------

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

CERTIFICATE_YEARS = 3
EXPIRED_SHARE = 0.12  # certified skills whose certificate has lapsed
PENDING_SHARE = 0.06  # declared, certificate not yet reviewed: no dates at all


# --- summary -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    label: str
    phone: str
    name: str
    password: str = DEMO_PASSWORD


@dataclass(frozen=True)
class DemoSummary:
    regions: int
    grids: int
    sites: int
    organizations: int
    memberships: int
    users: int
    workers: int
    worker_skills: int
    teams: int
    role_change_requests: int
    work_orders: int = 0
    logins: tuple[DemoLogin, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        out = [
            "Demo city Hangzhou built:",
            f"  regions {self.regions}, grids {self.grids}, sites {self.sites}",
            f"  organizations {self.organizations}, memberships {self.memberships}",
            f"  users {self.users}, workers {self.workers}, worker skills {self.worker_skills}",
            f"  teams {self.teams}, pending role change requests {self.role_change_requests}",
            f"  work orders {self.work_orders}",
            f"Demo logins (password {DEMO_PASSWORD} for every demo account):",
        ]
        out += [f"  {login.phone}  {login.label} — {login.name}" for login in self.logins]
        return out


def database_has_users() -> bool:
    return User.objects.exists()


# --- the build ---------------------------------------------------------------------------


@dataclass
class _City:
    districts: dict[str, Region] = field(default_factory=dict)  # by code
    grids: dict[str, list[Grid]] = field(default_factory=dict)  # by district code


@lru_cache(maxsize=1)
def certificate_scan() -> bytes:
    """A small PNG standing in for the scan of a certificate (the evidence file)."""
    buf = io.BytesIO()
    Image.new("RGB", (320, 220), (250, 244, 228)).save(buf, "PNG")
    return buf.getvalue()


class _Builder:
    operator: User  # set by build_operator, the reviewer of everything the demo submits

    def __init__(self, *, stdout: Writer | None) -> None:
        self.rng = random.Random(SEED)
        self.stdout = stdout
        self.today: date = timezone.localdate()
        self.now = timezone.now()
        self.city = _City()
        self.orgs: dict[str, Organization] = {}
        self.logins: list[DemoLogin] = []

    def log(self, msg: str) -> None:
        if self.stdout is not None:
            self.stdout.write(msg + "\n")

    def run(self) -> DemoSummary:
        self.build_regions()
        self.build_operator()
        self.build_employers()
        self.build_sites()
        workers = self.build_workers()
        self.clear_workers(workers)
        self.build_teams(workers)
        self.build_role_change_requests(workers)
        orders = build_orders(
            rng=self.rng,
            now=self.now,
            organizations=list(self.orgs.values()),
            demo_district_code="330106",
        )
        self.log(f"Work orders: {orders}")
        self.log(build_topups(organizations=list(self.orgs.values()), operator=self.operator))
        self.log(build_returns_summary(preferred_phone=DEMO_WORKER_PHONE))
        self.log(build_corrections(operator=self.operator, password=DEMO_PASSWORD))
        offers, invitations = build_offers(worker_phone=DEMO_WORKER_PHONE)
        self.log(
            f"Waiting for the demo worker {DEMO_WORKER_PHONE} (/worker/notifications/): "
            f"{offers} assignment offer(s), {invitations} team invitation(s)"
        )
        return DemoSummary(
            regions=Region.objects.count(),
            grids=Grid.objects.count(),
            sites=Site.objects.count(),
            organizations=Organization.objects.count(),
            memberships=Membership.objects.count(),
            users=User.objects.count(),
            workers=Worker.objects.count(),
            worker_skills=WorkerSkill.objects.count(),
            teams=Team.objects.count(),
            role_change_requests=RoleChangeRequest.objects.filter(
                status=RoleChangeRequest.Status.PENDING
            ).count(),
            work_orders=WorkOrder.objects.count(),
            logins=tuple(self.logins),
        )

    # regions and grids

    def build_regions(self) -> None:
        province = region_services.region_create(
            code="330000", name="浙江省", level=Region.Level.PROVINCE, boundary=rect(PROVINCE_BBOX)
        )
        city = region_services.region_create(
            code="330100",
            name="杭州市",
            level=Region.Level.CITY,
            parent=province,
            boundary=rect(CITY_BBOX),
        )
        for spec in DISTRICTS:
            district = region_services.region_create(
                code=spec.code,
                name=spec.name,
                level=Region.Level.DISTRICT,
                parent=city,
                boundary=rect(spec.bbox),
            )
            self.city.districts[spec.code] = district
            self.city.grids[spec.code] = []
            for area_spec in spec.areas:
                area = region_services.region_create(
                    code=area_spec.code,
                    name=area_spec.name,
                    level=Region.Level.AREA,
                    parent=district,
                    boundary=rect(area_spec.bbox),
                )
                boxes = split_bbox(area_spec.bbox, len(area_spec.grids))
                for grid_spec, box in zip(area_spec.grids, boxes, strict=True):
                    number = len(self.city.grids[spec.code]) + 1
                    grid = region_services.grid_create(
                        region=area,
                        code=f"HZ-{spec.abbr}-G{number:02d}",
                        name=f"{spec.short}{grid_spec.name}",
                        polygon=rect(box),
                    )
                    self.city.grids[spec.code].append(grid)
        self.log(f"Regions and grids of 杭州市: {sum(map(len, self.city.grids.values()))} grids")

    # people of the platform and the employers

    def build_operator(self) -> None:
        operator = account_services.user_create(
            phone=OPERATOR_PHONE, password=DEMO_PASSWORD, name="林晓", is_staff=True
        )
        self._make_superuser(operator)
        self.operator = operator
        self.logins.append(
            DemoLogin("Platform operator (staff, superuser)", operator.phone, operator.name)
        )

    @staticmethod
    def _make_superuser(user: User) -> None:
        # user_create has no superuser flag on purpose (operators are is_staff); the demo
        # operator also gets full Django admin access so the back office can be explored.
        User.objects.filter(pk=user.pk).update(is_superuser=True)
        user.is_superuser = True

    def build_employers(self) -> None:
        for spec in EMPLOYERS:
            owner, org = account_services.employer_register(
                phone=spec.owner_phone,
                password=DEMO_PASSWORD,
                name=spec.owner_name,
                organization_name=spec.name,
                credit_code=credit_code(self.rng, division=spec.division),
            )
            for staff in spec.staff:
                account_services.user_create(
                    phone=staff.phone, password=DEMO_PASSWORD, name=staff.name
                )
                account_services.membership_add(
                    actor=owner, organization=org, phone=staff.phone, role=staff.role
                )
            self.orgs[spec.key] = org
            self.logins.append(DemoLogin(f"Employer owner, {org.name}", owner.phone, owner.name))
            # Both publish paid orders, which needs an approved verification.
            self._verify_organization(spec, owner=owner, org=org, approve=True)
        self.log(f"Employers: {', '.join(o.name for o in self.orgs.values())}")
        # Its own random source: the main one's sequence (sites, workers) stays as it was.
        owner, org = account_services.employer_register(
            phone=APPLICANT.owner_phone,
            password=DEMO_PASSWORD,
            name=APPLICANT.owner_name,
            organization_name=APPLICANT.name,
            credit_code=credit_code(
                random.Random(f"{SEED}-applicant"), division=APPLICANT.division
            ),
        )
        self._verify_organization(APPLICANT, owner=owner, org=org, approve=False)
        self.logins.append(
            DemoLogin(f"Employer owner, verification pending, {org.name}", owner.phone, owner.name)
        )
        self.log(f"Employer verification waiting for review: {org.name}")

    def _verify_organization(
        self, spec: EmployerSpec, *, owner: User, org: Organization, approve: bool
    ) -> None:
        """The owner submits the employer verification (企业认证) with a drawn licence; the
        demo operator approves it when `approve`, else it waits in the review queue."""
        verification = employer_verification_services.employer_verification_submit(
            actor=owner,
            organization=org,
            credit_code=org.credit_code,
            company_name=spec.name,
            legal_representative=spec.legal_representative,
            contact_name=spec.owner_name,
            contact_phone=spec.owner_phone,
            licence=licence_image(
                company_name=spec.name,
                credit_code=org.credit_code,
                legal_representative=spec.legal_representative,
                address=spec.address,
                established_on=spec.established_on,
                registered_capital=spec.registered_capital,
            ),
        )
        if approve:
            employer_verification_services.employer_verification_approve(
                reviewer=self.operator, verification_id=verification.pk, note="执照信息与登记一致"
            )
        org.refresh_from_db()

    # sites

    def build_sites(self) -> None:
        count = 0
        for spec in DISTRICTS:
            grid_specs = [g for area in spec.areas for g in area.grids]
            numbers = iter(sorted(self.rng.sample(range(1, 400), SITES_PER_GRID * len(grid_specs))))
            for grid, grid_spec in zip(self.city.grids[spec.code], grid_specs, strict=True):
                owners = ["tower", "om"] * (SITES_PER_GRID // 2)
                self.rng.shuffle(owners)
                for landmark, owner in zip(grid_spec.landmarks, owners, strict=True):
                    kinds = SITE_KINDS_BY_EMPLOYER[owner]
                    kind = self.rng.choices([k for k, _w in kinds], [w for _k, w in kinds])[0]
                    lat, lng = random_point_in(self.rng, grid.polygon)
                    region_services.site_create(
                        organization=self.orgs[owner],
                        code=f"HZ-{spec.abbr}-{next(numbers):04d}",
                        name=f"{landmark}{SITE_SUFFIX[kind]}",
                        lat=lat,
                        lng=lng,
                        kind=kind,
                        address=f"浙江省杭州市{spec.name}{landmark}附近",
                    )
                    count += 1
        self.log(f"Sites: {count}")

    # workers

    def _unique_names(self, n: int) -> list[str]:
        names: list[str] = []
        while len(names) < n:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)
            if name not in names:
                names.append(name)
        return names

    def _unique_phones(self, n: int) -> list[str]:
        phones = [DEMO_WORKER_PHONE]
        while len(phones) < n:
            phone = f"139{self.rng.randrange(10**8):08d}"
            if phone not in phones:
                phones.append(phone)
        return phones

    def build_workers(self) -> list[Worker]:
        roles = {r.code: r for r in Role.objects.filter(organization__isnull=True)}
        skills = {s.code: s for s in Skill.objects.all()}
        role_codes = [code for code, n in ROLE_MIX for _ in range(n)]
        assert len(role_codes) == WORKER_COUNT
        # The demo worker (first) does daily maintenance; the others are shuffled.
        role_codes.remove("daily_maintenance")
        self.rng.shuffle(role_codes)
        role_codes.insert(0, "daily_maintenance")
        names = self._unique_names(WORKER_COUNT)
        phones = self._unique_phones(WORKER_COUNT)
        district_codes = [spec.code for spec in DISTRICTS]
        district_weights = [0.3, 0.2, 0.3, 0.2]  # 上城, 拱墅, 西湖, 滨江

        workers: list[Worker] = []
        for i, (name, phone, role_code) in enumerate(zip(names, phones, role_codes, strict=True)):
            demo = i == 0
            worker = workforce_services.worker_register(
                phone=phone, password=DEMO_PASSWORD, name=name, role_id=roles[role_code].pk
            )
            # areas: a home district, sometimes a neighbour too, sometimes named grids
            home = "330106" if demo else self.rng.choices(district_codes, district_weights)[0]
            served = [home]
            if not demo and self.rng.random() < 0.35:
                served.append(self.rng.choice(NEIGHBOURS[home]))
            grids: list[Grid] = []
            if demo:
                grids = [g for g in self.city.grids[home] if g.name == DEMO_WORKER_GRID]
            elif self.rng.random() < 0.4:
                pool = [g for code in served for g in self.city.grids[code]]
                grids = self.rng.sample(pool, self.rng.choice((1, 1, 2)))
            workforce_services.worker_set_areas(
                worker=worker,
                region_ids=[self.city.districts[code].pk for code in served],
                grid_ids=[g.pk for g in grids],
            )
            # skills: the role's own, then extras up to 2–4 in all
            core, extra = ROLE_SKILLS[role_code]
            if demo:
                chosen = list(DEMO_WORKER_SKILLS)
            else:
                total = self.rng.randint(max(2, len(core)), min(4, len(core) + len(extra)))
                chosen = list(core) + self.rng.sample(extra, total - len(core))
            workforce_services.worker_set_skills(
                worker=worker, skill_ids=[skills[c].pk for c in chosen]
            )
            for code in sorted(chosen):
                if skills[code].requires_certification:
                    self._certify(worker, skills[code], always_valid=demo)
            # status and, for the available, a fresh position inside the home district
            status = (
                Worker.Status.AVAILABLE
                if demo
                else self.rng.choices(
                    [s for s, _w in STATUS_WEIGHTS], [w for _s, w in STATUS_WEIGHTS]
                )[0]
            )
            workforce_services.worker_set_status(worker=worker, status=status)
            if status == Worker.Status.AVAILABLE:
                lat, lng = random_point_in(self.rng, self.city.districts[home].boundary or {})
                workforce_services.worker_report_position(
                    worker=worker,
                    lat=lat,
                    lng=lng,
                    at=self.now - timedelta(minutes=self.rng.randint(1, 45)),
                )
            workers.append(worker)
            if demo:
                self.logins.append(
                    DemoLogin(f"Worker, {roles[role_code].name}", phone, worker.user.name)
                )
        self.log(f"Workers: {len(workers)}")
        return workers

    def _certify(self, worker: Worker, skill: Skill, *, always_valid: bool) -> None:
        """The worker's certificate for `skill`, submitted and reviewed through the
        certification services. Dates are relative to today so that "expired" stays expired
        and "valid" valid whenever the demo is built: an expired one was submitted and
        approved back when it was valid (the services take the day as `today`)."""
        roll = self.rng.random()
        years = timedelta(days=365 * CERTIFICATE_YEARS)
        expired = not always_valid and PENDING_SHARE <= roll < PENDING_SHARE + EXPIRED_SHARE
        if expired:
            valid_until = self.today - timedelta(days=self.rng.randint(5, 240))
            valid_from = valid_until - years
        else:
            valid_from = self.today - timedelta(days=self.rng.randint(30, 900))
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
            number=f"ZJTX{valid_from:%Y}{self.rng.randint(100000, 999999)}",
            files=[certificate_scan()],
            today=submitted_on,
        )
        if not always_valid and roll < PENDING_SHARE:
            return  # declared, waiting for the operator: no dates yet
        certification_services.certification_approve(
            reviewer=self.operator,
            certification_id=cert.pk,
            note="证书真实有效",
            today=submitted_on,
        )

    # identity and agreement (MISSION A1, A4)

    def clear_workers(self, workers: list[Worker]) -> None:
        """Most workers are verified and have signed; a few show the other states: identity
        waiting for review, verified but agreement not signed, nothing done yet. The demo
        worker is always cleared."""
        counts = dict.fromkeys(("cleared", "pending", "unsigned", "none"), 0)
        for seq, worker in enumerate(workers, start=1):
            person = person_for(worker.user.name, seq)
            state = (
                "cleared"
                if seq == 1
                else self.rng.choices(("cleared", "pending", "unsigned", "none"), (85, 6, 4, 5))[0]
            )
            counts[state] += 1
            if state == "cleared":
                worker_clear(worker=worker, reviewer=self.operator, person=person)
            elif state == "pending":
                identity_submit(worker=worker, person=person)
            elif state == "unsigned":
                verification = identity_submit(worker=worker, person=person)
                identity_services.identity_approve(
                    reviewer=self.operator, verification_id=verification.pk
                )
        self.log(
            "Identity and agreement: {cleared} cleared, {pending} waiting for review, "
            "{unsigned} verified but not signed, {none} not started".format(**counts)
        )

    # teams and role changes

    def _district_short(self, worker: Worker) -> str:
        codes = set(worker.regions.values_list("code", flat=True))
        return next((d.short for d in DISTRICTS if d.code in codes), "杭州")

    def build_teams(self, workers: list[Worker]) -> None:
        plans = (
            ("construction", ("construction", "repair"), "铁塔施工一班"),
            ("power_generation", ("power_generation",), "油机发电保障班"),
        )
        for leader_role, member_roles, suffix in plans:
            candidates = [
                w for w in workers[1:] if w.team_id is None and w.role.code == leader_role
            ]
            leader = candidates[0]
            team = workforce_services.team_create(
                leader=leader, name=f"{self._district_short(leader)}{suffix}"
            )
            leader.team = team
            members = [
                w
                for w in workers[1:]
                if w.team_id is None and w.pk != leader.pk and w.role.code in member_roles
            ][:3]
            for member in members:
                invitation = workforce_services.team_invite(leader=leader, phone=member.user.phone)
                workforce_services.team_invitation_accept(
                    worker=member, invitation_id=invitation.pk
                )
                member.team = team
        self.log("Teams: 2")

    def build_role_change_requests(self, workers: list[Worker]) -> None:
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
        self.log("Role change requests: 2 pending")


@transaction.atomic
def build_demo(*, stdout: Writer | None = None) -> DemoSummary:
    """Build the Hangzhou demo city on a database without users; same seed, same city.

    All or nothing. Raises the services' errors (e.g. PhoneTaken, Conflict) when the
    database already holds some of the demo's rows.
    """
    return _Builder(stdout=stdout).run()


def existing_demo_logins() -> list[str]:
    """The demo logins found in the database, for `make run` on a database built before."""
    phones = [OPERATOR_PHONE, TOWER_OWNER_PHONE, OM_OWNER_PHONE, DEMO_WORKER_PHONE]
    users = {u.phone: u for u in User.objects.filter(phone__in=phones)}
    if not users:
        return []
    return [f"Demo logins (password {DEMO_PASSWORD} for every demo account):"] + [
        f"  {phone}  {users[phone].name}" for phone in phones if phone in users
    ]
