from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "xinghuo.workflows"
    label = "workflows"
