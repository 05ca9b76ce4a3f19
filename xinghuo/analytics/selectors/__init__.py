"""Statistics for the dashboards (issue 7): employer, worker and operator figures.

Every function is a bounded number of aggregate queries (`GROUP BY` in the database), never
one query per order: the cost grows with the number of groups (days, regions, statuses),
not with the number of orders read. Days and weeks are Asia/Shanghai calendar days
(`settings.TIME_ZONE`), whatever the database's own time zone.

Scope: the employer's figures take the `organization` and count only its orders; the
worker's take the `worker`; the operator's are platform-wide (the view checks the operator).

The employer's figures describe one cohort: the orders *created* in the date range
(and, with a region, at sites in that region or below). An order created on the 31st and
accepted on the 2nd counts in the month it was created, so that the rates (on time,
accepted) have a fixed denominator that does not move as old orders finish.

One module per audience: `employer`, `worker`, `operator`; callers import this package.
"""

# The skill radar (B3) is public here; its rule is in radar.py.
from ..maps import outlines_of_regions as outlines_of_regions
from ..radar import RadarDimension as RadarDimension
from ..radar import worker_get_for_radar as worker_get_for_radar
from ..radar import worker_radar as worker_radar
from ._common import S as S
from ._common import local_tz as local_tz
from .employer import (
    MAX_RANGE_DAYS,
    MODE_OF_METHOD,
    OrderFilters,
    employer_dashboard,
    employer_kpis,
    employer_orders,
    employer_orders_by_day,
    employer_region_choices,
    employer_spend_by_mode,
    employer_spend_by_region,
    employer_status_counts,
    employer_top_workers,
)
from .operator import (
    operator_orders_by_region,
    operator_payouts,
    operator_review_queues,
    operator_workers,
)
from .worker import worker_ratings, worker_totals, worker_weekly

__all__ = [
    "MAX_RANGE_DAYS",
    "MODE_OF_METHOD",
    "OrderFilters",
    "employer_dashboard",
    "employer_kpis",
    "employer_orders",
    "employer_orders_by_day",
    "employer_region_choices",
    "employer_spend_by_mode",
    "employer_spend_by_region",
    "employer_status_counts",
    "employer_top_workers",
    "operator_orders_by_region",
    "operator_payouts",
    "operator_review_queues",
    "operator_workers",
    "worker_ratings",
    "worker_totals",
    "worker_weekly",
]
