from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "xinghuo.web"
    label = "web"
    verbose_name = _("Web front-ends")

    def ready(self) -> None:
        from django.urls import register_converter

        from xinghuo.core.api import IdConverter

        # Ids in page URLs stop below 2^63: a longer one is not found rather than a server
        # error. Registered before any app's urls.py is read.
        register_converter(IdConverter, "id")
