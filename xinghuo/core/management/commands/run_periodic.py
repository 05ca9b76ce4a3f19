"""``manage.py run_periodic``: run the periodic sweeps without a Celery beat.

Production runs them with Celery beat (settings.CELERY_BEAT_SCHEDULE). The demo has no
broker, so `make run` starts this loop beside the web server; `--once` runs one round.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from xinghuo.certification.tasks import sweep_certification
from xinghuo.settlement.tasks import sweep as settlement_sweep
from xinghuo.workflows.tasks import sweep_work_orders


class Command(BaseCommand):
    help = "Run the work-order and settlement sweeps every --every seconds (or --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=60.0)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            try:
                orders = sweep_work_orders()
                money = settlement_sweep()
                certs = sweep_certification()
                self.stdout.write(
                    f"sweep: orders {orders}, settlement {money}, certification {certs}"
                )
            except Exception as exc:  # a failed round must not end the loop
                self.stderr.write(f"sweep failed: {exc!r}")
            if options["once"]:
                return
            time.sleep(options["every"])
            # A long-lived process: drop connections that broke or outlived their age.
            close_old_connections()
