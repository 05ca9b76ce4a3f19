"""Close timed-out exam attempts and warn of certifications expiring within 30 days."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinghuo.certification import services


class Command(BaseCommand):
    help = "Grade timed-out exam attempts and send certification expiry warnings (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(services.certification_sweep()))
