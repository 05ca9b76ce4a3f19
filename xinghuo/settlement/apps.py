from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "xinghuo.settlement"
    label = "settlement"
    verbose_name = _("Settlement")

    def ready(self) -> None:
        # Register the tasks with Celery now: services queue them by name, without
        # importing them (settlement.tasks imports the services).
        from . import tasks  # noqa: F401
