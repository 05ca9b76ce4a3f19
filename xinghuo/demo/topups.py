"""Demo money into escrow (issue 11): every employer's opening balance arrived by the bank's
notice (see orders.py); here, for the first employer, a top-up its finance member declared
that the bank has not confirmed yet (待到账), and a line of an imported bank statement that
names no employer, waiting for the operator on /operator/finance/bank/."""

from __future__ import annotations

from xinghuo.accounts.models import Membership, Organization, User
from xinghuo.core import money
from xinghuo.settlement import services as settlement_services

WAITING_SERIAL = "CMB20261128000417"
WAITING_FEN = 5_000_000  # 50,000 yuan
# A bank statement as the operator downloads it: one transfer without a top-up code.
STATEMENT = (
    "交易流水号,记账日期,金额,付款人名称,付款人账号,附言\n"
    "ICBC20261128000923,2026-11-28,12000.00,杭州某通信工程有限公司,6222021202001234567,服务费\n"
)


def build_topups(*, organizations: list[Organization], operator: User) -> str:
    """Returns a line for the build log: where to see the declaration and the statement line."""
    org = organizations[0]
    # The persona who declares: the finance member, else the owner.
    members = Membership.objects.filter(organization=org).order_by("pk")
    member = (
        members.filter(role=Membership.Role.FINANCE).first()
        or members.filter(role=Membership.Role.OWNER).first()
    )
    assert member is not None
    settlement_services.topup_declare.nested(
        actor=member.user, organization=org, amount_fen=WAITING_FEN, bank_serial=WAITING_SERIAL
    )
    settlement_services.bank_statement_import.nested(operator=operator, data=STATEMENT.encode())
    return (
        f"Escrow top-up declared, waiting for the bank (待到账): ¥{money.fen_to_yuan(WAITING_FEN)} "
        f"{WAITING_SERIAL} by {member.user.name} of {org.name} (/employer/finance/); "
        "1 bank statement line to match (/operator/finance/bank/)"
    )
