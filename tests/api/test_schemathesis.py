"""Schemathesis against the app's own OpenAPI, in-process (WSGI, no server), as a worker,
an employer and an operator: no answer may be a server error (5xx) or disagree with the
schema the API publishes.

Bounded for CI: a few examples per operation and caller (SCHEMATHESIS_MAX_EXAMPLES, default
5), valid and invalid input. The runtime and counts are printed at the end of the run and
written to test-artifacts/schemathesis.txt.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from xinghuo.accounts import services as account_services

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
CHECKS = [not_a_server_error, response_schema_conformance]
# Calls that would end the run's own session, not test anything.
SKIP = {("POST", "/api/v1/auth/logout"), ("DELETE", "/api/v1/auth/tokens/{token_id}")}


@pytest.fixture
def wsgi_app() -> Any:
    """Django's WSGI handler inside the test's transaction: like django.test.Client, the
    connection must not be closed at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(make_employer, make_order, make_eligible_worker, operator) -> dict[str, str]:
    owner, org = make_employer()
    make_order(owner=owner, organization=org)
    worker = make_eligible_worker()
    return {
        user_kind: account_services.api_token_issue(user=user).raw
        for user_kind, user in (
            ("worker", worker.user),
            ("employer", owner),
            ("operator", operator),
        )
    }


def _run(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    kind: str,
    calls: Counter[str],
    statuses: Counter[int],
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        response = case.call(headers=headers)
        calls[kind] += 1
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    call()


def test_the_api_never_answers_5xx_nor_off_schema(wsgi_app, tokens, request):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    started = time.monotonic()
    calls: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        operations += 1
        for kind, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"}
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                label = f"{operation.method.upper()} {operation.path} as {kind} ({mode.value})"

                try:
                    _run(operation, mode, headers, kind, calls, statuses)
                except Unsatisfiable:
                    pass
                except (Exception, BaseExceptionGroup) as exc:
                    # Schemathesis reports its check failures as an exception group.
                    failures[label] = f"{type(exc).__name__}: {exc}"[:2000]
    elapsed = time.monotonic() - started
    summary = (
        f"schemathesis: {operations} operations, {sum(calls.values())} calls "
        f"({dict(calls)}), statuses {dict(sorted(statuses.items()))}, "
        f"{len(failures)} failures, {elapsed:.1f} s"
    )
    # Shown in every run's output (not captured), and kept with the other test artifacts.
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("\n" + summary)
    artifacts = Path(request.config.rootpath) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "schemathesis.txt").write_text(summary + "\n")
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
