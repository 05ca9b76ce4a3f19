"""The capability table: what each membership role and an operator may do, and that nothing
outside accounts decides it by itself (no role tuples, no ``is_staff`` tests)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.template import Context, Template

from conftest import PASSWORD
from xinghuo.accounts import selectors
from xinghuo.accounts import services as account_services
from xinghuo.accounts.exceptions import OrganizationNotFound
from xinghuo.accounts.models import Membership, Organization, User
from xinghuo.accounts.selectors import Capability, has_capability, require_capability
from xinghuo.core.exceptions import NotFound, PermissionDenied

C = Capability
R = Membership.Role

# The table written out once more, by hand: a change to who may do what shows up here.
EXPECTED: dict[str, set[Capability]] = {
    R.OWNER: {
        C.ORDERS_MANAGE,
        C.ORDERS_DISPATCH,
        C.ORDER_ALERTS,
        C.SITES_MANAGE,
        C.CHANNEL_KEYS_MANAGE,
        C.POINTS_RULES_MANAGE,
        C.ROLES_MANAGE,
        C.MEMBERS_MANAGE,
        C.OWNERS_APPOINT,
        C.EMPLOYER_VERIFICATION_SUBMIT,
        C.FINANCE_OPERATE,
        C.PAYOUTS_APPROVE,
        C.TAX_FACTS_RECORD,
    },
    R.ADMIN: {
        C.ORDERS_MANAGE,
        C.ORDERS_DISPATCH,
        C.SITES_MANAGE,
        C.CHANNEL_KEYS_MANAGE,
        C.POINTS_RULES_MANAGE,
        C.ROLES_MANAGE,
        C.MEMBERS_MANAGE,
        C.EMPLOYER_VERIFICATION_SUBMIT,
        C.FINANCE_OPERATE,
        C.TAX_FACTS_RECORD,
    },
    R.DISPATCHER: {C.ORDERS_MANAGE, C.ORDERS_DISPATCH, C.ORDER_ALERTS, C.SITES_MANAGE},
    R.FINANCE: {C.FINANCE_OPERATE, C.PAYOUTS_APPROVE, C.TAX_FACTS_RECORD},
    R.VIEWER: set(),
}
OPERATOR: set[Capability] = {
    C.OPERATOR_CONSOLE,
    C.IDENTITY_REVIEW,
    C.EMPLOYER_REVIEW,
    C.CERTIFICATION_REVIEW,
    C.ROLE_CHANGE_REVIEW,
    C.AGREEMENTS_VIEW,
    C.WORKERS_VIEW,
    C.BANK_MATCH,
    C.PAYOUT_OPERATE,
    C.CORRECTIONS_MANAGE,
    C.TAX_FACTS_RECORD,
    C.TAX_REGISTRATION_VERIFY,
    C.SECURITY_ALERTS,
}

ROLE_CASES = [(role, cap) for role in R.values for cap in Capability]


def test_the_table_is_the_one_written_here():
    assert {role: set(caps) for role, caps in selectors.ROLE_CAPABILITIES.items()} == EXPECTED
    assert set(selectors.OPERATOR_CAPABILITIES) == OPERATOR
    # Every capability is somebody's: none is dead.
    assert set().union(*EXPECTED.values(), OPERATOR) == set(Capability)


@pytest.fixture
def org_of(make_employer):
    """A fresh organization and a member of it with `role` (besides its owner)."""
    counter = iter(range(100, 200))

    def make(role: str) -> tuple[User, Organization]:
        n = next(counter)
        owner, org = make_employer(verified=False, escrow_fen=0)
        if role == R.OWNER:
            return owner, org
        member = account_services.user_create(phone=f"13600000{n:03d}", password=PASSWORD)
        Membership.objects.create(user=member, organization=org, role=role)
        return member, org

    return make


@pytest.mark.django_db
@pytest.mark.parametrize("role", R.values)
def test_each_role_has_its_row_in_its_own_organization_only(role, org_of):
    member, org = org_of(role)
    _, other = org_of(R.OWNER)
    for capability in Capability:
        allowed = capability in EXPECTED[role]
        assert has_capability(actor=member, capability=capability, organization=org) is allowed, (
            role,
            capability,
        )
        assert has_capability(actor=member, capability=capability, organization=org.pk) is allowed
        # A member of another organization gets nothing there, nor platform-wide.
        assert not has_capability(actor=member, capability=capability, organization=other)
        assert not has_capability(actor=member, capability=capability)


@pytest.mark.django_db
def test_an_operator_holds_the_operator_row_everywhere_and_nothing_else(operator, org_of):
    _, org = org_of(R.OWNER)
    for capability in Capability:
        allowed = capability in OPERATOR
        assert has_capability(actor=operator, capability=capability) is allowed, capability
        assert has_capability(actor=operator, capability=capability, organization=org) is allowed
    assert selectors.is_operator(user=operator)


@pytest.mark.django_db
def test_an_operator_who_is_also_a_member_holds_both_rows(operator, org_of):
    _, org = org_of(R.OWNER)
    Membership.objects.create(user=operator, organization=org, role=R.FINANCE)
    for capability in Capability:
        allowed = capability in OPERATOR | EXPECTED[R.FINANCE]
        assert has_capability(actor=operator, capability=capability, organization=org) is allowed


@pytest.mark.django_db
def test_require_capability_refuses_with_the_callers_error_or_permission_denied(org_of, operator):
    viewer, org = org_of(R.VIEWER)
    require_capability(actor=operator, capability=C.BANK_MATCH)  # nothing raised
    with pytest.raises(PermissionDenied) as denied:
        require_capability(actor=viewer, capability=C.BANK_MATCH)
    assert denied.value.code == "operator_only"
    with pytest.raises(PermissionDenied) as denied:
        require_capability(actor=viewer, capability=C.PAYOUTS_APPROVE, organization=org)
    assert denied.value.detail == {"allowed_roles": ["owner", "finance"]}
    with pytest.raises(NotFound):
        require_capability(
            actor=viewer, capability=C.CORRECTIONS_MANAGE, denied=NotFound("Not found.")
        )


@pytest.mark.django_db
def test_organization_get_for_member_hides_the_organization_and_names_the_roles(org_of):
    dispatcher, org = org_of(R.DISPATCHER)
    _, other = org_of(R.OWNER)
    assert (
        selectors.organization_get_for_member(
            user=dispatcher, organization_id=org.pk, capability=C.SITES_MANAGE
        )
        == org
    )
    with pytest.raises(PermissionDenied) as denied:
        selectors.organization_get_for_member(
            user=dispatcher, organization_id=org.pk, capability=C.CHANNEL_KEYS_MANAGE
        )
    assert denied.value.detail == {"allowed_roles": ["owner", "admin"]}
    with pytest.raises(OrganizationNotFound):
        selectors.organization_get_for_member(
            user=dispatcher, organization_id=other.pk, capability=C.SITES_MANAGE
        )


@pytest.mark.django_db
def test_whom_to_tell(org_of, operator):
    _, org = org_of(R.FINANCE)
    Membership.objects.create(
        user=account_services.user_create(phone="13500000001", password=PASSWORD),
        organization=org,
        role=R.DISPATCHER,
    )
    told = selectors.members_with_capability(organization=org, capability=C.FINANCE_OPERATE)
    assert sorted(m.role for m in told) == ["finance", "owner"]
    assert list(selectors.operators_with_capability(capability=C.SECURITY_ALERTS)) == [operator]
    assert not selectors.operators_with_capability(capability=C.ORDERS_MANAGE).exists()


@pytest.mark.django_db
def test_pages_ask_the_table(operator, org_of):
    finance, org = org_of(R.FINANCE)
    page = Template(
        "{% load capabilities %}"
        '{% if user|can:"operator_console" %}console{% endif %}'
        '{% can_in org "payouts_approve" as approve %}{% if approve %} approve{% endif %}'
    )
    assert page.render(Context({"user": operator, "org": org})) == "console"
    assert page.render(Context({"user": finance, "org": org})) == " approve"
    with pytest.raises(ValueError):
        Template('{% load capabilities %}{{ user|can:"no_such_thing" }}').render(
            Context({"user": finance})
        )


# --- nothing decides elsewhere -----------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]  # xinghuo/
ROLE_VALUES = set(R.values)


def _sources(suffix: str) -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob(f"*{suffix}")
        if path.relative_to(ROOT).parts[0] != "accounts"
        and "tests" not in path.parts
        and "migrations" not in path.parts
        and not path.name.startswith(("test_", "conftest"))
    )


def _is_role(node: ast.AST) -> bool:
    """`Membership.Role.X` (or `….Role.X`), or a role's value as a string."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
        return node.value.attr == "Role" and node.attr in R.names
    return isinstance(node, ast.Constant) and node.value in ROLE_VALUES


def _role_decisions(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set) and any(map(_is_role, node.elts)):
            lines.append(node.lineno)  # a role tuple
        elif isinstance(node, ast.keyword) and node.arg == "role__in":
            lines.append(node.value.lineno)  # a query by a set of roles
        elif isinstance(node, ast.Compare) and (
            any(map(_is_role, [node.left, *node.comparators]))
            and any(isinstance(op, ast.In | ast.NotIn | ast.Eq | ast.NotEq) for op in node.ops)
        ):
            lines.append(node.lineno)  # `membership.role == Membership.Role.OWNER`
    return lines


def test_no_role_tuples_outside_accounts():
    found = []
    for path in _sources(".py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(ROOT)}:{line}" for line in _role_decisions(tree)]
    assert found == [], "ask accounts.selectors.has_capability instead: " + ", ".join(found)


# Where `is_staff` stays outside accounts, and why it is no authorization decision: the demo
# creates its operator accounts (and says so in a comment).
IS_STAFF_ALLOWED = ("is_staff=True", "operators are is_staff")


def test_no_is_staff_checks_outside_accounts():
    found = []
    for path in _sources(".py") + _sources(".html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "is_staff" not in line:
                continue
            if path.relative_to(ROOT).parts[0] == "demo" and any(
                allowed in line for allowed in IS_STAFF_ALLOWED
            ):
                continue
            found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == [], "ask accounts.selectors.has_capability instead:\n" + "\n".join(found)


def test_the_scan_sees_a_role_tuple():
    """The scanner itself: each form it must catch."""
    for source in (
        "EDITORS = (Membership.Role.OWNER, Membership.Role.ADMIN)",
        'KEYS = ("owner", "admin")',
        "qs.filter(role__in=x)",
        "if membership.role == Membership.Role.OWNER: pass",
        'if role in {"owner", "finance"}: pass',
    ):
        assert _role_decisions(ast.parse(source)), source
    assert not _role_decisions(ast.parse('Membership.objects.create(role="owner")'))
