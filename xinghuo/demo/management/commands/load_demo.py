"""``manage.py load_demo``: build the seeded Hangzhou demo city on an empty database."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from xinghuo.demo.builder import build_demo, database_has_users, existing_demo_logins


class Command(BaseCommand):
    help = (
        "Build the demo city (Hangzhou: regions, grids, sites, two employers, sixty "
        "workers) through the services. Refuses to run on a database that has users."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already has users.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # One transaction for the check and the build: a failure half-way leaves nothing
        # behind, and of two concurrent runs the later one fails on the unique phone
        # numbers and rolls back whole.
        with transaction.atomic():
            if database_has_users():
                if options["if_empty"]:
                    self.stdout.write("The database already has users; demo data not loaded.")
                    for line in existing_demo_logins():
                        self.stdout.write(line)
                    return
                raise CommandError(
                    "The database already has users; load_demo only builds on an empty "
                    "database. Use --if-empty to skip quietly, or start from a fresh database."
                )
            # Celery runs the build's tasks in-process: its per-task lines and kombu's
            # "No hostname was supplied" would bury the summary below.
            for name in ("celery.app.trace", "kombu.connection"):
                logging.getLogger(name).setLevel(logging.ERROR)
            summary = build_demo(stdout=self.stdout)
        for line in summary.lines():
            self.stdout.write(line)
