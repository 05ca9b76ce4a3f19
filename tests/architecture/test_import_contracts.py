"""Our import-linter contract types (tools/import_contracts.py) on small made-up graphs: each
rule is shown to break on the import it forbids and to keep on the ones it allows."""

from __future__ import annotations

import grimp
import pytest

from tools.import_contracts import AppLayersContract, PublicSurfaceContract

PAGES = ["api", "api_*", "schemas", "views", "views_*", "urls", "admin"]


def graph_of(*imports: str) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for number, line in enumerate(imports, start=1):
        importer, imported = (part.strip() for part in line.split("->"))
        graph.add_import(
            importer=importer, imported=imported, line_number=number, line_contents=line
        )
    return graph


def layers(*imports: str) -> list[tuple[str, str]]:
    contract = AppLayersContract(
        name="layers",
        session_options={},
        contract_options={
            "layers": [
                "config",
                "pages",
                "x.web",
                "x.orders",
                "x.identity | x.contracts",
                "x.accounts",
                "x.core",
            ],
            "apps_package": "x",
            "page_modules": PAGES,
            "kernel": "x.core",
        },
    )
    check = contract.check(graph_of(*imports), verbose=False)
    return [(v.importer, v.imported) for v in check.metadata["violations"]]


def surface(*imports: str) -> list[tuple[str, str]]:
    contract = PublicSurfaceContract(
        name="surface",
        session_options={},
        contract_options={
            "apps_package": "x",
            "page_modules": PAGES,
            "public_modules": ["services", "selectors", "exceptions", "models"],
            "shared": ["x.core.api", "x.core.geo"],
            "shared_with_pages": ["x.accounts.auth"],
            "shell": "x.web",
            "exempt": ["config"],
        },
    )
    check = contract.check(graph_of(*imports), verbose=False)
    return [(v.importer, v.imported) for v in check.metadata["violations"]]


@pytest.mark.parametrize(
    "line",
    [
        "x.orders.services -> x.accounts.services",  # down a layer
        "x.accounts.api -> x.orders.services",  # a page may call any app
        "x.accounts.views_settings -> x.web.components",  # and use the shell
        "x.orders.services -> x.core.api",  # core.api is the kernel's, not a page
        "x.accounts.tests.test_x -> x.orders.services",  # tests are outside
        "config.urls -> x.orders.urls",
        "x.identity.services -> x.identity.schemas_x",  # schemas_x is not a page name
    ],
)
def test_layers_allow(line: str) -> None:
    assert layers(line) == []


@pytest.mark.parametrize(
    "line",
    [
        "x.accounts.services -> x.orders.models",  # up a layer
        "x.identity.services -> x.contracts.selectors",  # siblings are independent
        "x.orders.services -> x.orders.api",  # an app's own code never imports its pages
        "x.web.components -> x.orders.views",  # nor does the shell
        "x.orders.views -> config.settings",
        "x.core.management.commands.run -> x.orders.tasks",  # the kernel names no app
    ],
)
def test_layers_forbid(line: str) -> None:
    importer, imported = (part.strip() for part in line.split("->"))
    assert layers(line) == [(importer, imported)]


def test_an_app_on_no_layer_is_a_violation() -> None:
    assert layers("x.sales.services -> x.core.geo") == [("x.sales.services", "-")]


@pytest.mark.parametrize(
    "line",
    [
        "x.orders.services -> x.accounts.services",
        "x.orders.services -> x.accounts.services.tokens",  # a services package is public
        "x.orders.selectors -> x.accounts.models",
        "x.orders.services -> x.accounts.exceptions",
        "x.orders.services -> x.core.geo",  # the shared kernel's public modules
        "x.orders.api -> x.accounts.auth",  # public to pages
        "x.orders.views -> x.web.components",  # the shell serves the pages
        "x.orders.services -> x.orders.lifecycle",  # inside an app anything goes
        "config.api -> x.orders.api",  # the composition root
        "x.orders.tests.test_api -> x.accounts.validators",
    ],
)
def test_surface_allows(line: str) -> None:
    assert surface(line) == []


@pytest.mark.parametrize(
    "line",
    [
        "x.orders.services -> x.accounts.validators",
        "x.orders.services -> x.accounts.services_otp",  # a name like services is not one
        "x.orders.services -> x.core.management.commands.run",
        "x.orders.services -> x.accounts.auth",  # auth is for pages only
        "x.orders.api -> x.accounts.schemas",  # pages do not share their schemas
        "x.orders.views -> x.web.views_home",  # the shell's own pages are private
        "x.orders.services -> x.web.components",  # the shell is for pages only
    ],
)
def test_surface_forbids(line: str) -> None:
    importer, imported = (part.strip() for part in line.split("->"))
    assert surface(line) == [(importer, imported)]
