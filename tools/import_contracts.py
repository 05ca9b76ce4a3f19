"""Xinghuo's own import-linter contract types (pyproject.toml, docs/import-contracts.md).

Two rules of ARCHITECTURE.md that the built-in contracts cannot state without listing every
module by hand, so that a new module would escape them:

- ``app_layers``: the apps stand on layers, and a module may import only modules of a lower
  layer (or of its own app). The pages of every app (``api.py``, ``views.py``… matched by
  name, see ``page_modules``) form one layer of their own above ``web``: a page parses,
  calls a service or a workflow and renders, so it may import any app, while no app's own
  code may import a page, its own app's included.
- ``public_surface``: a module may import from another app only that app's public surface —
  the modules named in ``public_modules`` (``services``, ``selectors``, ``exceptions``,
  ``models``, with their submodules when they are packages) — plus the modules listed in
  ``shared`` (the shared kernel's, public to all) and ``shared_with_pages`` (public to pages).
  The non-page modules of the ``shell`` package are public to pages.

Both look at direct imports only: since each direct import goes down a strict order, so does
every chain of them. Tests (any ``tests`` package, ``conftest``) are outside both contracts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fnmatch import fnmatchcase

import grimp
from importlinter import Contract, ContractCheck, fields, output

PAGES = "pages"


def _is_test(module: str) -> bool:
    return any(part in ("tests", "conftest") for part in module.split("."))


def _app(module: str, apps_package: str) -> str | None:
    parts = module.split(".")
    if parts[0] != apps_package or len(parts) < 2:
        return None
    return f"{apps_package}.{parts[1]}"


def _is_page(module: str, apps_package: str, page_modules: list[str]) -> bool:
    parts = module.split(".")
    return (
        parts[0] == apps_package
        and len(parts) >= 3
        and any(fnmatchcase(parts[2], pattern) for pattern in page_modules)
    )


def _within(module: str, packages: list[str]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


@dataclass(frozen=True, order=True)
class _Violation:
    group: str
    importer: str
    imported: str
    lines: str


def _lines(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    details = graph.get_import_details(importer=importer, imported=imported)
    return ", ".join(f"l.{detail['line_number']}" for detail in details)


def _render(violations: list[_Violation]) -> None:
    by_group: dict[str, list[_Violation]] = defaultdict(list)
    for violation in violations:
        by_group[violation.group].append(violation)
    for group, items in sorted(by_group.items()):
        output.print_error(group)
        output.new_line()
        for item in items:
            output.indent_cursor()
            output.print(f"{item.importer} -> {item.imported} ({item.lines})")
        output.new_line()


class AppLayersContract(Contract):
    """Apps on layers (top first); ``pages`` names the layer of every app's page modules.

    Options: ``layers`` (top first; siblings separated by ``|`` are independent of each
    other; a layer is a top-level package like ``config``, an app like ``xinghuo.core``, or
    the word ``pages``), ``apps_package``, ``page_modules`` (patterns for the names of an
    app's modules that are pages) and ``kernel`` (the shared kernel, whose modules are never
    pages: ``core.api`` is the API's plumbing, not an endpoint). An app that is on no layer
    is a violation: a new app must be placed.
    """

    type_name = "app_layers"

    layers = fields.ListField(subfield=fields.StringField())
    apps_package = fields.StringField()
    page_modules = fields.ListField(subfield=fields.StringField())
    kernel = fields.StringField()

    def _ranks(self) -> dict[str, int]:
        layers: list[str] = self.layers  # type: ignore[assignment]
        ranks: dict[str, int] = {}
        for position, layer in enumerate(layers):
            for unit in layer.split("|"):
                ranks[unit.strip()] = len(layers) - position
        return ranks

    def _unit(self, module: str) -> str | None:
        apps_package: str = self.apps_package  # type: ignore[assignment]
        if _is_test(module) or module == apps_package:
            return None
        kernel = _within(module, [self.kernel])  # type: ignore[list-item]
        if not kernel and _is_page(module, apps_package, self.page_modules):  # type: ignore[arg-type]
            return PAGES
        return _app(module, apps_package) or module.split(".")[0]

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        ranks = self._ranks()
        violations: set[_Violation] = set()
        for importer in sorted(graph.modules):
            low = self._unit(importer)
            if low is None:
                continue
            if low not in ranks:
                violations.add(_Violation(f"{low} is on no layer", importer, "-", "-"))
                continue
            for imported in graph.find_modules_directly_imported_by(importer):
                high = self._unit(imported)
                if high is None or high == low or high not in ranks:
                    continue
                if ranks[high] >= ranks[low]:
                    word = "its sibling" if ranks[high] == ranks[low] else "a higher layer"
                    violations.add(
                        _Violation(
                            f"{low} imports {word}, {high}",
                            importer,
                            imported,
                            _lines(graph, importer, imported),
                        )
                    )
        ordered = sorted(violations)
        return ContractCheck(kept=not ordered, metadata={"violations": ordered})

    def render_broken_contract(self, check: ContractCheck) -> None:
        _render(check.metadata["violations"])


class PublicSurfaceContract(Contract):
    """Another app's modules may be imported only through its public surface.

    Options: ``apps_package``, ``page_modules`` (as in ``app_layers``), ``public_modules``
    (names of an app's public modules, submodules included), ``shared`` (modules public to
    every app: the shared kernel), ``shared_with_pages`` (modules public to pages only),
    ``shell`` (the package whose non-page modules are public to pages) and ``exempt`` (top
    packages that may import anything: the composition root).
    """

    type_name = "public_surface"

    apps_package = fields.StringField()
    page_modules = fields.ListField(subfield=fields.StringField())
    public_modules = fields.ListField(subfield=fields.StringField())
    shared = fields.ListField(subfield=fields.StringField())
    shared_with_pages = fields.ListField(subfield=fields.StringField())
    shell = fields.StringField()
    exempt = fields.ListField(subfield=fields.StringField(), required=False, default=[])

    def _is_public(self, imported: str, *, to_page: bool) -> bool:
        apps_package: str = self.apps_package  # type: ignore[assignment]
        page_modules: list[str] = self.page_modules  # type: ignore[assignment]
        parts = imported.split(".")
        if len(parts) == 2 or parts[2] in self.public_modules:  # type: ignore[operator]
            return True
        if _within(imported, self.shared):  # type: ignore[arg-type]
            return True
        if to_page and _within(imported, self.shared_with_pages):  # type: ignore[arg-type]
            return True
        return (
            to_page
            and _app(imported, apps_package) == self.shell
            and not _is_page(imported, apps_package, page_modules)
        )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        apps_package: str = self.apps_package  # type: ignore[assignment]
        page_modules: list[str] = self.page_modules  # type: ignore[assignment]
        violations: set[_Violation] = set()
        for importer in sorted(graph.modules):
            if _is_test(importer) or _within(importer, self.exempt):  # type: ignore[arg-type]
                continue
            own_app = _app(importer, apps_package)
            # The shell (layouts' helpers, scopes) works for pages: it sees what they see.
            is_page = _is_page(importer, apps_package, page_modules) or own_app == self.shell
            for imported in graph.find_modules_directly_imported_by(importer):
                other_app = _app(imported, apps_package)
                if other_app is None or other_app == own_app or _is_test(imported):
                    continue
                if not self._is_public(imported, to_page=is_page):
                    importer_app = own_app or importer.split(".")[0]
                    violations.add(
                        _Violation(
                            f"{importer_app} reaches into {other_app}",
                            importer,
                            imported,
                            _lines(graph, importer, imported),
                        )
                    )
        ordered = sorted(violations)
        return ContractCheck(kept=not ordered, metadata={"violations": ordered})

    def render_broken_contract(self, check: ContractCheck) -> None:
        _render(check.metadata["violations"])
