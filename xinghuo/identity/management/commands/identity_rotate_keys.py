"""Re-encrypt every stored identity value under the first IDENTITY_ENCRYPTION_KEYS key:
ID numbers, OCR results and ID images, employers' licence images, certificate scans, order
files (documents, delivery photos) and the numbers of payout accounts (which use the same
keys).

Run after putting a new key first; once it has finished the old keys can be dropped.
Idempotent: running it twice only re-encrypts again under the same key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinghuo.certification import services as certification_services
from xinghuo.identity import services, services_employer
from xinghuo.settlement import services as settlement_services
from xinghuo.work_orders import services as order_services


class Command(BaseCommand):
    help = (
        "Re-encrypt ID numbers, OCR results, ID images, licences, certificate scans, order "
        "files and payout accounts under the newest key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.identity_reencrypt_all()
        self.stdout.write(f"re-encrypted {count} identity verifications")
        count = services_employer.employer_licence_reencrypt_all()
        self.stdout.write(f"re-encrypted {count} employer licences")
        count = certification_services.certification_files_reencrypt_all()
        self.stdout.write(f"re-encrypted {count} certificate scans")
        count = order_services.attachments_reencrypt_all()
        self.stdout.write(f"re-encrypted {count} order files")
        count = settlement_services.payout_accounts_reencrypt_all()
        self.stdout.write(f"re-encrypted {count} payout accounts")
