from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkOrdersConfig(AppConfig):
    name = "xinghuo.work_orders"
    label = "work_orders"
    verbose_name = _("Work orders")
