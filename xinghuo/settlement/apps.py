from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "xinghuo.settlement"
    label = "settlement"
    verbose_name = _("Settlement")

    def ready(self) -> None:
        # Key rotation (manage.py identity_rotate_keys) re-encrypts what this app stores.
        from xinghuo.core.crypto import reencryption_register

        from .services import payout_accounts_reencrypt_all

        reencryption_register(what="payout accounts", reencrypt_all=payout_accounts_reencrypt_all)
        # Register the tasks with Celery now: services queue them by name, without
        # importing them (settlement.tasks imports the services).
        from . import tasks  # noqa: F401
