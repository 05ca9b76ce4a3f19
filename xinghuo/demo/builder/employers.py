"""The platform operator and the employers: two verified ones with their staff, and an
applicant whose employer verification (企业认证) waits in the operator's review queue."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from stdnum.cn import uscc

from xinghuo.accounts import services as account_services
from xinghuo.accounts.models import Membership, Organization, User
from xinghuo.identity.services import employer as employer_verification_services

from ..licence import licence_image
from .context import (
    APPLICANT_OWNER_PHONE,
    DEMO_PASSWORD,
    OM_OWNER_PHONE,
    OPERATOR_PHONE,
    SEED,
    TOWER_OWNER_PHONE,
    BuildContext,
    DemoLogin,
)


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


def build_operator(ctx: BuildContext) -> None:
    operator = account_services.user_create(
        phone=OPERATOR_PHONE, password=DEMO_PASSWORD, name="林晓", is_staff=True
    )
    _make_superuser(operator)
    ctx.operator = operator
    ctx.logins.append(
        DemoLogin("Platform operator (staff, superuser)", operator.phone, operator.name)
    )


def _make_superuser(user: User) -> None:
    # user_create has no superuser flag on purpose (operators are is_staff); the demo
    # operator also gets full Django admin access so the back office can be explored.
    User.objects.filter(pk=user.pk).update(is_superuser=True)
    user.is_superuser = True


def build_employers(ctx: BuildContext) -> None:
    for spec in EMPLOYERS:
        owner, org = account_services.employer_register(
            phone=spec.owner_phone,
            password=DEMO_PASSWORD,
            name=spec.owner_name,
            organization_name=spec.name,
            credit_code=credit_code(ctx.rng, division=spec.division),
        )
        for staff in spec.staff:
            account_services.user_create(phone=staff.phone, password=DEMO_PASSWORD, name=staff.name)
            account_services.membership_add(
                actor=owner, organization=org, phone=staff.phone, role=staff.role
            )
        ctx.orgs[spec.key] = org
        ctx.logins.append(DemoLogin(f"Employer owner, {org.name}", owner.phone, owner.name))
        # Both publish paid orders, which needs an approved verification.
        _verify_organization(ctx, spec, owner=owner, org=org, approve=True)
    ctx.log(f"Employers: {', '.join(o.name for o in ctx.orgs.values())}")
    # Its own random source: the main one's sequence (sites, workers) stays as it was.
    owner, org = account_services.employer_register(
        phone=APPLICANT.owner_phone,
        password=DEMO_PASSWORD,
        name=APPLICANT.owner_name,
        organization_name=APPLICANT.name,
        credit_code=credit_code(random.Random(f"{SEED}-applicant"), division=APPLICANT.division),
    )
    _verify_organization(ctx, APPLICANT, owner=owner, org=org, approve=False)
    ctx.logins.append(
        DemoLogin(f"Employer owner, verification pending, {org.name}", owner.phone, owner.name)
    )
    ctx.log(f"Employer verification waiting for review: {org.name}")


def _verify_organization(
    ctx: BuildContext, spec: EmployerSpec, *, owner: User, org: Organization, approve: bool
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
            reviewer=ctx.operator, verification_id=verification.pk, note="执照信息与登记一致"
        )
    org.refresh_from_db()
