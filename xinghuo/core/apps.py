from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "xinghuo.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Registers the production system checks (docs/operations.md).
        from . import checks  # noqa: F401
