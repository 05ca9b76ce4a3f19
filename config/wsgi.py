import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _refuse_unsafe_production() -> None:
    """Management commands run the system checks, a WSGI server does not: in production run
    the ones that refuse an unsafe configuration (xinghuo/core/checks.py) before serving."""
    from django.conf import settings

    if not getattr(settings, "PRODUCTION", False):
        return
    from django.core.checks import ERROR, run_checks
    from django.core.management.base import SystemCheckError

    from xinghuo.core.checks import PRODUCTION_TAG

    errors = [m for m in run_checks(tags=[PRODUCTION_TAG]) if m.level >= ERROR]
    if errors:
        raise SystemCheckError("\n".join(f"{m.id}: {m.msg} {m.hint or ''}" for m in errors))


_refuse_unsafe_production()
