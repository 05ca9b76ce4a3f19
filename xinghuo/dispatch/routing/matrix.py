"""Travel times and distances between points, behind an interface a road-network provider
(OSRM, AMap's distance matrix…) can implement later without touching the optimiser."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from xinghuo.core.geo import EARTH_RADIUS_M


@dataclass(frozen=True)
class TravelMatrix:
    """seconds[i, j] and metres[i, j] from point i to point j (whole numbers, int64)."""

    seconds: np.ndarray
    metres: np.ndarray


class MatrixProvider(Protocol):
    def matrix(self, points: Sequence[tuple[float, float]]) -> TravelMatrix:
        """Travel from every (lat, lng) point to every other."""
        ...


@dataclass(frozen=True)
class HaversineProvider:
    """Great-circle distance × a road factor (roads are not straight), driven at a mean speed.

    The defaults suit a Chinese city district by car or e-bike: 1.4 × crow-flies, 30 km/h.
    """

    speed_kmh: float = 30.0
    road_factor: float = 1.4

    def matrix(self, points: Sequence[tuple[float, float]]) -> TravelMatrix:
        if not points:
            empty = np.zeros((0, 0), dtype=np.int64)
            return TravelMatrix(seconds=empty, metres=empty)
        lat = np.radians(np.array([p[0] for p in points], dtype=float))
        lng = np.radians(np.array([p[1] for p in points], dtype=float))
        dphi = lat[None, :] - lat[:, None]
        dlmb = lng[None, :] - lng[:, None]
        h = (
            np.sin(dphi / 2) ** 2
            + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlmb / 2) ** 2
        )
        crow = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
        road = crow * self.road_factor
        seconds = road / (self.speed_kmh / 3.6)
        # Rounded up: a plan that is on time with these figures is on time with exact ones.
        return TravelMatrix(
            seconds=np.ceil(seconds).astype(np.int64), metres=np.rint(road).astype(np.int64)
        )
