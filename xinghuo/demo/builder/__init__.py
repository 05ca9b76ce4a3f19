"""A deterministic demo city: Hangzhou with regions, grids, sites, two employers and
sixty workers, built through the apps' services so that the demo obeys the same
rules as real data.

Everything that can vary comes from one ``random.Random(SEED)`` consumed in a fixed
order, so two builds on empty databases give the same coordinates, phones, names and
skills. Only times follow the clock: certification dates are relative to the day of
the build (so "expired" stays expired and "valid" stays valid whenever the demo is
loaded) and positions are stamped a few minutes before the build.

Workers' identities, agreements and certificates go through the identity, contracts and
certification services (reviewed by the demo operator; see ``clearance.py``). The ORM is
written to directly only where no service exists on purpose (``_make_superuser``).

One module per area, each step a function of the build's context (``context.py``):
``geography`` (regions, grids), ``employers`` (operator, employers, their verification),
``sites``, ``workers`` (with ``certificates``), ``clearing`` (identity, agreement),
``teams`` (teams, role changes) and ``build`` (the order of the steps); orders, money and
offers come from the demo's sibling modules (``orders``, ``topups``, ``returns``,
``corrections``, ``offers``).
"""

from .build import build_demo, database_has_users, existing_demo_logins
from .context import (
    APPLICANT_OWNER_PHONE,
    DEMO_PASSWORD,
    DEMO_WORKER_PHONE,
    OM_OWNER_PHONE,
    OPERATOR_PHONE,
    SEED,
    TOWER_OWNER_PHONE,
    DemoLogin,
    DemoSummary,
)
from .geography import DISTRICTS, NEIGHBOURS
from .workers import ROLE_MIX, ROLE_SKILLS

__all__ = [
    "APPLICANT_OWNER_PHONE",
    "DEMO_PASSWORD",
    "DEMO_WORKER_PHONE",
    "DISTRICTS",
    "NEIGHBOURS",
    "OM_OWNER_PHONE",
    "OPERATOR_PHONE",
    "ROLE_MIX",
    "ROLE_SKILLS",
    "SEED",
    "TOWER_OWNER_PHONE",
    "DemoLogin",
    "DemoSummary",
    "build_demo",
    "database_has_users",
    "existing_demo_logins",
]
