"""Posting to the ledger: the only code that writes transfers and account totals.

Guarantees:
- every movement is a transfer between two accounts: each transaction sums to zero;
- accounts are locked (SELECT … FOR UPDATE) in primary-key order *before* anything is
  checked or written, so concurrent postings neither deadlock nor overdraw;
- a key posts once: the same key with the same fields returns the first transfers, with
  different fields raises IdempotencyConflict; a batch is all or nothing;
- a pending transfer is resolved once (posted or voided), never after its timeout;
- totals on the account rows always equal a replay of the transfers (`ledger_verify`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..exceptions import (
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    PendingNotOpen,
    TransferNotFound,
)
from ..models import LedgerAccount, Transfer

K = Transfer.Kind
P = LedgerAccount.Purpose

# Accounts that may go below zero: money arriving from or leaving to the outside.
NEGATIVE_ALLOWED = {P.CHANNEL_CLEARING}


def account_for(
    *,
    purpose: str,
    organization_id: int | None = None,
    worker_id: int | None = None,
    channel: str = "",
) -> LedgerAccount:
    """The account of an owner for a purpose, created on first use."""
    if organization_id is not None and worker_id is not None:
        raise ValueError("an account has one owner")
    owner_key = (
        f"org:{organization_id}"
        if organization_id is not None
        else f"worker:{worker_id}"
        if worker_id is not None
        else "platform"
    )
    try:
        with transaction.atomic():
            account, _created = LedgerAccount.objects.get_or_create(
                purpose=purpose,
                owner_key=owner_key,
                channel=channel,
                defaults={
                    "organization_id": organization_id,
                    "worker_id": worker_id,
                    "allow_negative": purpose in NEGATIVE_ALLOWED,
                },
            )
    except IntegrityError:  # created concurrently
        account = LedgerAccount.objects.get(purpose=purpose, owner_key=owner_key, channel=channel)
    return account


@dataclass(frozen=True)
class TransferSpec:
    key: str
    debit_id: int
    credit_id: int
    amount_fen: int
    code: str
    reference: str = ""
    memo: str = ""
    pending: bool = False
    timeout: timedelta | None = None
    reverses_id: int | None = None


def _same(transfer: Transfer, spec: TransferSpec) -> bool:
    kind = K.PENDING if spec.pending else K.SINGLE
    return (
        transfer.kind == kind
        and transfer.debit_account_id == spec.debit_id
        and transfer.credit_account_id == spec.credit_id
        and transfer.amount_fen == spec.amount_fen
        and transfer.code == spec.code
        and transfer.reference == spec.reference
    )


def _lock(account_ids: set[int]) -> dict[int, LedgerAccount]:
    accounts = LedgerAccount.objects.select_for_update().filter(pk__in=account_ids).order_by("pk")
    locked = {a.pk: a for a in accounts}
    if len(locked) != len(account_ids):
        raise InvalidAmount(_("Unknown ledger account."), code="account_not_found")
    return locked


def _replayed(keys: list[str], specs: Sequence[TransferSpec]) -> list[Transfer] | None:
    """The earlier result when these keys were posted before (None when none was)."""
    existing = {t.key: t for t in Transfer.objects.filter(key__in=keys)}
    if not existing:
        return None
    if len(existing) != len(keys) or not all(_same(existing[s.key], s) for s in specs):
        raise IdempotencyConflict(
            _("This idempotency key was used for a different movement."),
            detail={"keys": sorted(existing)},
        )
    return [existing[k] for k in keys]


def _check_available(account: LedgerAccount, amount: int) -> None:
    if account.allow_negative:
        return
    if account.credits_posted - account.debits_posted - account.debits_pending < amount:
        raise InsufficientFunds(
            _("The account does not hold enough money for this."),
            detail={"account_id": account.pk, "available_fen": account.available_fen},
        )


@transaction.atomic
def transfers_post(*, specs: Sequence[TransferSpec]) -> list[Transfer]:
    """Post several transfers, all or none (each one single or pending).

    Raises InvalidAmount, InsufficientFunds (nothing posted), IdempotencyConflict.
    """
    if not specs:
        return []
    keys = [s.key for s in specs]
    _validate(keys, specs)
    earlier = _replayed(keys, specs)
    if earlier is not None:
        return earlier
    accounts = _lock({s.debit_id for s in specs} | {s.credit_id for s in specs})
    # Re-check under the locks: a concurrent call with the same keys may have won.
    earlier = _replayed(keys, specs)
    if earlier is not None:
        return earlier
    rows = _move(specs, accounts, now=timezone.now())
    try:
        # No savepoint: on a conflict the whole posting fails anyway.
        Transfer.objects.bulk_create(rows)
    except IntegrityError:
        # Keys are serialised by the account locks of the same movement; a key reused for
        # other accounts is a conflict.
        raise IdempotencyConflict(
            _("This idempotency key was used for a different movement."), detail={"keys": keys}
        ) from None
    _save_totals(accounts.values())
    if any(row.pk is None for row in rows):  # a backend that cannot return inserted ids
        return list(Transfer.objects.filter(key__in=keys).order_by("pk"))
    return rows


def _validate(keys: list[str], specs: Sequence[TransferSpec]) -> None:
    if len(set(keys)) != len(keys):
        raise InvalidAmount(_("Each transfer needs its own key."), code="duplicate_key")
    for spec in specs:
        if not isinstance(spec.amount_fen, int) or spec.amount_fen <= 0:
            raise InvalidAmount(_("Amounts are whole fen above zero."), detail={"key": spec.key})
        if spec.debit_id == spec.credit_id:
            raise InvalidAmount(_("A transfer needs two different accounts."))


def _move(
    specs: Sequence[TransferSpec], accounts: dict[int, LedgerAccount], *, now: datetime
) -> list[Transfer]:
    """Move each spec's amount between its locked accounts (in memory, checked against
    what the debit account holds) and make its unsaved Transfer row."""
    rows = []
    for spec in specs:
        debit, credit = accounts[spec.debit_id], accounts[spec.credit_id]
        _check_available(debit, spec.amount_fen)
        if spec.pending:
            debit.debits_pending += spec.amount_fen
            credit.credits_pending += spec.amount_fen
        else:
            debit.debits_posted += spec.amount_fen
            credit.credits_posted += spec.amount_fen
        rows.append(
            Transfer(
                key=spec.key,
                kind=K.PENDING if spec.pending else K.SINGLE,
                debit_account_id=spec.debit_id,
                credit_account_id=spec.credit_id,
                amount_fen=spec.amount_fen,
                timeout_at=now + spec.timeout if spec.pending and spec.timeout else None,
                code=spec.code,
                reference=spec.reference,
                memo=spec.memo[:255],
                reverses_id=spec.reverses_id,
            )
        )
    return rows


def _save_totals(accounts: Iterable[LedgerAccount]) -> None:
    for account in accounts:
        account.save(
            update_fields=["debits_pending", "debits_posted", "credits_pending", "credits_posted"]
        )


def _resolve(
    *, key: str, pending_id: int, post: bool, amount_fen: int | None, now: datetime | None
) -> Transfer:
    now = now or timezone.now()
    pending = Transfer.objects.filter(pk=pending_id, kind=K.PENDING).first()
    if pending is None:
        raise TransferNotFound(_("Pending transfer not found."))
    kind = K.POST_PENDING if post else K.VOID_PENDING
    amount = pending.amount_fen if amount_fen is None or not post else amount_fen

    earlier = _resolution_replayed(key=key, kind=kind, pending=pending, amount=amount)
    if earlier is not None:
        return earlier
    if not 0 < amount <= pending.amount_fen:
        raise InvalidAmount(
            _("A pending transfer posts at most its own amount."),
            detail={"pending_fen": pending.amount_fen},
        )
    accounts = _lock({pending.debit_account_id, pending.credit_account_id})
    # Re-check under the locks: a concurrent call with the same key may have won.
    earlier = _resolution_replayed(key=key, kind=kind, pending=pending, amount=amount)
    if earlier is not None:
        return earlier
    _check_open(pending, post=post, now=now)
    debit, credit = accounts[pending.debit_account_id], accounts[pending.credit_account_id]
    debit.debits_pending -= pending.amount_fen
    credit.credits_pending -= pending.amount_fen
    if post:
        debit.debits_posted += amount
        credit.credits_posted += amount
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                key=key,
                kind=kind,
                debit_account_id=pending.debit_account_id,
                credit_account_id=pending.credit_account_id,
                amount_fen=amount,
                pending=pending,
                code=pending.code,
                reference=pending.reference,
            )
    except IntegrityError:
        raise PendingNotOpen(_("This reservation has been settled or released already.")) from None
    _save_totals([debit, credit])
    return transfer


def _resolution_replayed(*, key: str, kind: str, pending: Transfer, amount: int) -> Transfer | None:
    """The earlier resolution made under `key` when it is this one (IdempotencyConflict
    when the key was used for another movement)."""
    earlier = Transfer.objects.filter(key=key).first()
    if earlier is None:
        return None
    if earlier.kind == kind and earlier.pending_id == pending.pk and earlier.amount_fen == amount:
        return earlier
    raise IdempotencyConflict(_("This idempotency key was used for a different movement."))


def _check_open(pending: Transfer, *, post: bool, now: datetime) -> None:
    """PendingNotOpen unless the (locked) reservation is still open, and unexpired to post."""
    if Transfer.objects.filter(pending=pending).exists():
        raise PendingNotOpen(_("This reservation has been settled or released already."))
    if post and pending.timeout_at is not None and pending.timeout_at <= now:
        raise PendingNotOpen(
            _("This reservation has expired."), code="pending_expired", detail={"id": pending.pk}
        )


@transaction.atomic
def pending_post(
    *, key: str, pending_id: int, amount_fen: int | None = None, now: datetime | None = None
) -> Transfer:
    """Post a reservation (all of it, or less: the rest is released)."""
    return _resolve(key=key, pending_id=pending_id, post=True, amount_fen=amount_fen, now=now)


@transaction.atomic
def pending_void(*, key: str, pending_id: int) -> Transfer:
    """Release a reservation."""
    return _resolve(key=key, pending_id=pending_id, post=False, amount_fen=None, now=None)


def pending_void_expired(*, now: datetime | None = None) -> int:
    """Release every reservation past its timeout (idempotent; run periodically)."""
    now = now or timezone.now()
    expired = Transfer.objects.filter(
        kind=K.PENDING, timeout_at__lte=now, resolution__isnull=True
    ).values_list("pk", flat=True)
    released = 0
    for pending_id in expired:
        try:
            pending_void(key=f"void-expired:{pending_id}", pending_id=pending_id)
            released += 1
        except PendingNotOpen:
            continue
    return released


@transaction.atomic
def transfer_reverse(*, key: str, transfer_id: int, memo: str = "") -> Transfer:
    """Correct a posted transfer by moving its amount back (ledger rows are never edited)."""
    original = Transfer.objects.filter(pk=transfer_id, kind__in=(K.SINGLE, K.POST_PENDING)).first()
    if original is None:
        raise TransferNotFound(_("Posted transfer not found."))
    [reversal] = transfers_post(
        specs=[
            TransferSpec(
                key=key,
                debit_id=original.credit_account_id,
                credit_id=original.debit_account_id,
                amount_fen=original.amount_fen,
                code=f"reverse:{original.code}"[:32],
                reference=original.reference,
                memo=memo,
                reverses_id=original.pk,
            )
        ]
    )
    return reversal


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    account_id: int
    field: str
    stored: int
    replayed: int


def ledger_replay() -> dict[int, dict[str, int]]:
    """Every account's four totals recomputed from the transfers alone."""
    totals: dict[int, dict[str, int]] = defaultdict(
        lambda: {"debits_pending": 0, "debits_posted": 0, "credits_pending": 0, "credits_posted": 0}
    )
    sums = (
        Transfer.objects.values("kind", "debit_account_id", "credit_account_id")
        .annotate(total=Sum("amount_fen"))
        .order_by()
    )
    for row in sums:
        debit, credit, amount = row["debit_account_id"], row["credit_account_id"], row["total"]
        if row["kind"] == K.PENDING:
            totals[debit]["debits_pending"] += amount
            totals[credit]["credits_pending"] += amount
        elif row["kind"] in (K.SINGLE, K.POST_PENDING):
            totals[debit]["debits_posted"] += amount
            totals[credit]["credits_posted"] += amount
    # A resolved reservation is no longer pending.
    resolved = (
        Transfer.objects.filter(kind__in=(K.POST_PENDING, K.VOID_PENDING))
        .values("debit_account_id", "credit_account_id")
        .annotate(total=Sum("pending__amount_fen"))
        .order_by()
    )
    for row in resolved:
        totals[row["debit_account_id"]]["debits_pending"] -= row["total"]
        totals[row["credit_account_id"]]["credits_pending"] -= row["total"]
    return totals


def ledger_verify() -> list[Mismatch]:
    """Compare every account's stored totals with the replay; an empty list means sound."""
    replay = ledger_replay()
    mismatches = []
    fields = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")
    for account in LedgerAccount.objects.order_by("pk").values("pk", *fields):
        expected = replay.get(account["pk"], dict.fromkeys(fields, 0))
        for field in fields:
            if account[field] != expected[field]:
                mismatches.append(Mismatch(account["pk"], field, account[field], expected[field]))
    return mismatches
