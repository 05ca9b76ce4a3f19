"""Every module of the project imports: a merge that leaves an import of a moved module
behind (``from . import corrections`` after corrections moved into settlement.services) breaks
the URL configuration of the whole site, not one page."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django.core.management import call_command

import xinghuo

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(xinghuo.__path__, "xinghuo.")
    if ".tests" not in m.name and ".migrations" not in m.name
)


@pytest.mark.parametrize("name", MODULES)
def test_module_imports(name: str) -> None:
    importlib.import_module(name)


def test_system_checks_pass() -> None:
    call_command("check", fail_level="ERROR")
