"""``manage.py verify_ledger``: replay every transfer and compare with the stored totals."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinghuo.settlement.ledger import ledger_verify
from xinghuo.settlement.models import LedgerAccount, Transfer


class Command(BaseCommand):
    help = "Check that every ledger account's totals equal a replay of the transfers."

    def handle(self, *args: Any, **options: Any) -> None:
        mismatches = ledger_verify()
        accounts, transfers = LedgerAccount.objects.count(), Transfer.objects.count()
        if mismatches:
            for m in mismatches:
                self.stderr.write(
                    f"account {m.account_id}: {m.field} stored {m.stored}, replayed {m.replayed}"
                )
            raise CommandError(f"{len(mismatches)} mismatches in {accounts} accounts")
        self.stdout.write(f"ledger sound: {accounts} accounts, {transfers} transfers replayed")
