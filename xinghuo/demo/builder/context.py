"""What every step of the demo build shares: the seed, the demo logins' phones and
password, the build's state (its one random source, the clock, what earlier steps made)
and the summary the build returns."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from django.utils import timezone

from xinghuo.accounts.models import Organization, User
from xinghuo.regions.models import Grid, Region

SEED = 20261127

DEMO_PASSWORD = "Xinghuo@2026"  # noqa: S105

OPERATOR_PHONE = "13800000001"
TOWER_OWNER_PHONE = "13800000002"
OM_OWNER_PHONE = "13800000003"
APPLICANT_OWNER_PHONE = "13800000004"
DEMO_WORKER_PHONE = "13900000001"

WORKER_COUNT = 60
SITES_PER_GRID = 4


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


@dataclass(frozen=True)
class DemoLogin:
    label: str
    phone: str
    name: str
    password: str = DEMO_PASSWORD


@dataclass(frozen=True)
class DemoSummary:
    regions: int
    grids: int
    sites: int
    organizations: int
    memberships: int
    users: int
    workers: int
    worker_skills: int
    teams: int
    role_change_requests: int
    work_orders: int = 0
    logins: tuple[DemoLogin, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        out = [
            "Demo city Hangzhou built:",
            f"  regions {self.regions}, grids {self.grids}, sites {self.sites}",
            f"  organizations {self.organizations}, memberships {self.memberships}",
            f"  users {self.users}, workers {self.workers}, worker skills {self.worker_skills}",
            f"  teams {self.teams}, pending role change requests {self.role_change_requests}",
            f"  work orders {self.work_orders}",
            f"Demo logins (password {DEMO_PASSWORD} for every demo account):",
        ]
        out += [f"  {login.phone}  {login.label} — {login.name}" for login in self.logins]
        return out


@dataclass
class City:
    districts: dict[str, Region] = field(default_factory=dict)  # by code
    grids: dict[str, list[Grid]] = field(default_factory=dict)  # by district code


class BuildContext:
    """One build's state. Everything that varies is drawn from `rng`, in the order the steps
    run, so that two builds on empty databases give the same city."""

    operator: User  # set by build_operator, the reviewer of everything the demo submits

    def __init__(self, *, stdout: Writer | None) -> None:
        self.rng = random.Random(SEED)
        self.stdout = stdout
        self.today: date = timezone.localdate()
        self.now: datetime = timezone.now()
        self.city = City()
        self.orgs: dict[str, Organization] = {}
        self.logins: list[DemoLogin] = []

    def log(self, msg: str) -> None:
        if self.stdout is not None:
            self.stdout.write(msg + "\n")
