"""Lost phone with no other operator at hand: remove an operator's authenticator from the
server console; he sets up a new one at his next login."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinghuo.accounts import services_otp
from xinghuo.accounts.models import User
from xinghuo.accounts.validators import normalize_phone
from xinghuo.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Remove the two-step login (TOTP) devices of the operator with this mobile number."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phone")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.filter(phone=normalize_phone(options["phone"])).first()
            if user is None:
                raise CommandError("No user has this mobile number.")
            removed = services_otp.totp_device_remove(actor=None, user=user)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(f"removed {removed} device(s) of {user.phone}")
