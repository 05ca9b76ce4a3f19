"""``manage.py verify_ledger``: replay every transfer and compare with the stored totals, and
check that every escrow credit is backed by a bank transaction."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinghuo.settlement.models import LedgerAccount, Transfer
from xinghuo.settlement.services.bank_credits import escrow_credits_unbacked
from xinghuo.settlement.services.ledger import ledger_verify


class Command(BaseCommand):
    help = (
        "Check that every ledger account's totals equal a replay of the transfers and that "
        "every escrow credit is backed by a bank transaction (notification or matched "
        "statement line)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        mismatches = ledger_verify()
        accounts, transfers = LedgerAccount.objects.count(), Transfer.objects.count()
        for m in mismatches:
            self.stderr.write(
                f"account {m.account_id}: {m.field} stored {m.stored}, replayed {m.replayed}"
            )
        unbacked = list(escrow_credits_unbacked())
        for t in unbacked:
            self.stderr.write(
                f"transfer {t.pk} ({t.key}): {t.amount_fen} fen into escrow account "
                f"{t.credit_account_id} without a bank transaction"
            )
        if mismatches or unbacked:
            raise CommandError(
                f"{len(mismatches)} mismatches in {accounts} accounts, "
                f"{len(unbacked)} escrow credits without a bank transaction"
            )
        backed = transfers and Transfer.objects.filter(bank_transaction__isnull=False).count()
        self.stdout.write(
            f"ledger sound: {accounts} accounts, {transfers} transfers replayed, "
            f"{backed} escrow credits backed by bank transactions"
        )
