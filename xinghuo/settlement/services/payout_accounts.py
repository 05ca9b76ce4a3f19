"""Payout accounts (收款账户): binding, masking, the operators' audited reveal, re-encryption.

Rules of binding (``payout_account_add``):

- only a worker whose identity is approved binds an account, and only in that identity's
  name: 代付 pays to the payee's own name, and a bank or Alipay returns a transfer whose
  name does not match the account;
- a bank card is 12–19 digits (spaces and dashes dropped); its bank and card type come from
  the BIN table, offline. A credit card is refused (payouts go to debit cards); a failed
  Luhn check or an unknown bank only warns, because some real cards fail the check and the
  table does not know every small bank;
- an Alipay account is a mainland mobile number or an e-mail address;
- the same number twice on the same channel for the same worker is refused
  (``account_exists``, with the existing account's id in ``detail``), not silently returned:
  binding is the moment the worker checks the number, so he should be told.

The number is encrypted in the database (``PayoutAccount.account``); pages, the API and
``__str__`` show ``account_masked``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import User
from xinghuo.core import crypto
from xinghuo.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinghuo.identity import selectors as identity_selectors
from xinghuo.identity import services as identity_services
from xinghuo.workforce.models import Worker

from .. import selectors
from ..models import PayoutAccount

MAX_ACCOUNT_LENGTH = 64
MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
REFUSED_CARD_TYPES = (PayoutAccount.CardType.CREDIT, PayoutAccount.CardType.SEMI_CREDIT)
# Middle dots people type in minority names (阿卜杜·热合曼): all the same for the name check.
_NAME_DOTS = re.compile(r"[·•‧・．.]")


@dataclass(frozen=True)
class AccountWarning:
    """Something the worker should check about the number; it did not stop the binding."""

    code: str
    message: str | Promise


@dataclass(frozen=True)
class PayoutAccountAdded:
    account: PayoutAccount
    warnings: list[AccountWarning] = field(default_factory=list)


@dataclass(frozen=True)
class _Checked:
    number: str
    masked: str
    bank_code: str = ""
    bank_name: str = ""
    card_type: str = ""
    warnings: tuple[AccountWarning, ...] = ()


# --- masking -----------------------------------------------------------------------------------


def mask_bank_card(number: str) -> str:
    """`6222020200112233444` → `6222 **** **** 3444`: the BIN's first four and the last four,
    as the banks' own apps show a card."""
    masked = crypto.mask_card_number(number)
    return f"{masked[:4]} **** **** {masked[-4:]}"


def mask_mobile(number: str) -> str:
    """`13812345678` → `138****5678`."""
    return f"{number[:3]}****{number[-4:]}"


def mask_email(address: str) -> str:
    """`abcdef@example.com` → `ab***@example.com`; a local part of one or two characters
    keeps only its first."""
    local, _at, domain = address.rpartition("@")
    keep = local[:2] if len(local) > 2 else local[:1]
    return f"{keep}***@{domain}"


# --- checks --------------------------------------------------------------------------------------


def _invalid(message: str | Promise) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_account", detail={"field": "account"})


def _check_bank_card(account: str) -> _Checked:
    try:
        info = identity_selectors.bank_card_recognise(number=account)
    except ValidationFailed:
        raise _invalid(_("A bank card number has 12 to 19 digits.")) from None
    if info.card_type in REFUSED_CARD_TYPES:
        raise ValidationFailed(
            _("This is a credit card. Payouts go to debit cards: bind a debit card instead."),
            code="credit_card_not_allowed",
            detail={"field": "account", "bank_name": info.bank_name or ""},
        )
    warnings = []
    if not info.luhn_ok:
        warnings.append(
            AccountWarning(
                "card_number_check_failed",
                _("The card number fails the check-digit test: please check it."),
            )
        )
    if info.bank_code is None:
        warnings.append(
            AccountWarning(
                "bank_not_recognised", _("The bank could not be recognised from the number.")
            )
        )
    return _Checked(
        number=info.number,
        masked=mask_bank_card(info.number),
        bank_code=info.bank_code or "",
        bank_name=info.bank_name or "",
        card_type=info.card_type or "",
        warnings=tuple(warnings),
    )


def _check_alipay(account: str) -> _Checked:
    compact = re.sub(r"[\s\-]", "", account)
    compact = compact.removeprefix("+86")
    if MAINLAND_MOBILE.match(compact):
        return _Checked(number=compact, masked=mask_mobile(compact))
    address = account.strip()
    if "@" in address and len(address) <= MAX_ACCOUNT_LENGTH:
        try:
            validate_email(address)
        except ValidationError:
            pass
        else:
            local, _at, domain = address.rpartition("@")
            address = f"{local}@{domain.lower()}"
            return _Checked(number=address, masked=mask_email(address))
    raise _invalid(_("An Alipay account is a mainland mobile number or an e-mail address."))


def _same_name(a: str, b: str) -> bool:
    def norm(name: str) -> str:
        return _NAME_DOTS.sub("·", "".join(name.split()))

    return norm(a) == norm(b)


def _check(*, channel: str, account: str) -> _Checked:
    if channel not in PayoutAccount.Channel.values:
        raise ValidationFailed(
            _("Choose Alipay or a bank card."), code="invalid_channel", detail={"field": "channel"}
        )
    account = (account or "").strip()
    if not account or len(account) > MAX_ACCOUNT_LENGTH:
        raise _invalid(_("Give the Alipay account or the card number."))
    if channel == PayoutAccount.Channel.BANK:
        return _check_bank_card(account)
    return _check_alipay(account)


# --- services ------------------------------------------------------------------------------------


@transaction.atomic
def payout_account_add(
    *,
    worker: Worker,
    channel: str,
    account: str,
    account_name: str = "",
    auto_withdraw: bool = False,
) -> PayoutAccountAdded:
    """Bind an Alipay account or a bank card in the worker's verified name; the newest one
    becomes the default. The result carries warnings (a failed check digit, an unknown bank)
    that did not stop it.

    `account_name` may be left blank (the verified name is used); any other name is refused.
    Locks the worker's row, so two concurrent bindings cannot both become the default or
    bind the same number twice.
    Raises PermissionDenied (identity_not_verified), ValidationFailed (invalid_channel,
    invalid_account, credit_card_not_allowed, account_name_mismatch), Conflict
    (account_exists).
    """
    if not identity_selectors.worker_is_identity_verified(worker=worker):
        raise PermissionDenied(
            _(
                "Verify your identity first: payouts go only to an account in your own, "
                "verified name."
            ),
            code="identity_not_verified",
        )
    checked = _check(channel=channel, account=account)
    holder = identity_selectors.identity_for_worker(worker=worker).name
    given = (account_name or "").strip()
    if given and not _same_name(given, holder):
        raise ValidationFailed(
            _("The account must be in your verified name, %(name)s.") % {"name": holder},
            code="account_name_mismatch",
            detail={"field": "account_name"},
        )
    Worker.objects.select_for_update().filter(pk=worker.pk).first()
    index = crypto.blind_index(checked.number)
    existing = PayoutAccount.objects.filter(
        worker=worker, channel=channel, account_index=index
    ).first()
    if existing is not None:
        raise Conflict(
            _("This account is bound already."),
            code="account_exists",
            detail={"field": "account", "account_id": existing.pk},
        )
    PayoutAccount.objects.filter(worker=worker, is_default=True).update(is_default=False)
    created = PayoutAccount(
        worker=worker,
        channel=channel,
        account=checked.number,
        account_index=index,
        account_masked=checked.masked,
        account_name=holder,
        bank_code=checked.bank_code,
        bank_name=checked.bank_name,
        card_type=checked.card_type,
        is_default=True,
        auto_withdraw=auto_withdraw,
    )
    created.full_clean()
    created.save()
    return PayoutAccountAdded(account=created, warnings=list(checked.warnings))


def payout_account_reveal(
    *, reviewer: User, account_id: int, reason: str, ip_address: str | None = None
) -> str:
    """An operator sees a payout account's clear number; the reveal is recorded first, in
    the same transaction (RevealAudit, field card_number, subject
    "settlement.payoutaccount:<pk>"), and counts against his hourly reveal quota
    (`identity.services.reveal_quota_take`, which alerts the other operators).

    Raises PayoutAccountNotFound (also for anyone but an operator), ValidationFailed
    (reason), RateLimited.
    """
    identity_services.reveal_quota_take(actor=reviewer)
    with transaction.atomic():
        return _payout_account_reveal(
            reviewer=reviewer, account_id=account_id, reason=reason, ip_address=ip_address
        )


def _payout_account_reveal(
    *, reviewer: User, account_id: int, reason: str, ip_address: str | None
) -> str:
    account = selectors.payout_account_get_for_operator(operator=reviewer, account_id=account_id)
    identity_services.reveal_audit_record(
        actor=reviewer,
        field="card_number",
        subject=f"settlement.payoutaccount:{account.pk}",
        reason=reason,
        ip_address=ip_address,
    )
    return account.account


def payout_accounts_reencrypt_all() -> int:
    """Re-encrypt every payout account's number under the first IDENTITY_ENCRYPTION_KEYS
    key (rotation; `crypto.reencrypt_each`: loading decrypts with any configured key,
    saving encrypts with the first). Returns the number of rows rewritten."""
    return crypto.reencrypt_each(
        PayoutAccount.objects.all(), lambda a: a.save(update_fields=["account"])
    )
