"""Route planning and auto-assignment (MISSION D3, D5): the optimiser behind our own interface.

The public surface: the problem and plan types, the matrix providers, `optimise` and
`order_day`. `planning` (Django) builds problems from the database and commits plans through
`dispatch.services`; nothing else in this package knows Django.
"""

from .matrix import HaversineProvider, MatrixProvider, TravelMatrix
from .optimiser import DAY_MODES, optimise, order_day
from .problem import (
    Options,
    OrderSpec,
    Plan,
    Problem,
    Reason,
    Route,
    Stop,
    Unassigned,
    WorkerSpec,
)

__all__ = [
    "DAY_MODES",
    "HaversineProvider",
    "MatrixProvider",
    "Options",
    "OrderSpec",
    "Plan",
    "Problem",
    "Reason",
    "Route",
    "Stop",
    "TravelMatrix",
    "Unassigned",
    "WorkerSpec",
    "optimise",
    "order_day",
]
