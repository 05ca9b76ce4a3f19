"""``manage.py run_periodic``: run the periodic sweeps without a Celery beat.

Production runs them with Celery beat (settings.CELERY_BEAT_SCHEDULE). The demo has no
broker, so `make run` starts this loop beside the web server; `--once` runs one round.

Each round runs every task of the beat schedule once, looked up by its registered name in the
Celery app: the apps register their periodic jobs in their own tasks.py and config/ wires the
schedule, so core names no app (it sits below them all).
"""

from __future__ import annotations

import time
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections


class Command(BaseCommand):
    help = "Run the beat schedule's sweeps every --every seconds (or --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=60.0)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        # The schedule names tasks; importing the apps' tasks modules registers them.
        current_app.loader.import_default_modules()
        schedule: dict[str, dict[str, Any]] = getattr(settings, "CELERY_BEAT_SCHEDULE", {})
        while True:
            try:
                results = [
                    f"{entry.removesuffix('-sweep')} {current_app.tasks[job['task']]()}"
                    for entry, job in schedule.items()
                ]
                self.stdout.write("sweep: " + ", ".join(results))
            except Exception as exc:  # a failed round must not end the loop
                self.stderr.write(f"sweep failed: {exc!r}")
            if options["once"]:
                return
            time.sleep(options["every"])
            # A long-lived process: drop connections that broke or outlived their age.
            close_old_connections()
