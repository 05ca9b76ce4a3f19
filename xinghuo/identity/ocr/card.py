"""Find the ID card in a photo and straighten it.

A phone photo shows the card on a table, tilted and in perspective. The card is the
largest convex quadrilateral among the image's contours; mapping its four corners onto an
85.6 × 54 mm rectangle (ISO/IEC 7810 ID-1, the card's size) undoes rotation and
perspective before OCR. A photo with no such quadrilateral (already cropped to the card,
or too cluttered) is used as it is.
"""

from __future__ import annotations

import cv2
import numpy as np

# 10 px per mm of the ID-1 card: enough for the recogniser's 48 px text lines.
CARD_SIZE = (856, 540)
_WORK_SIDE = 800  # contours are searched on a copy of about this size, for speed
_MIN_AREA = 0.15  # of the image: smaller quadrilaterals are labels or photo frames


class ImageUnreadable(Exception):
    """The bytes are not an image that OpenCV can decode."""


def decode_image(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ImageUnreadable()
    return image


def _order_corners(points: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left (valid for tilts under 45°)."""
    pts = points.reshape(4, 2).astype(np.float32)
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    return np.array(
        [pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]],
        dtype=np.float32,
    )


def _candidate_masks(gray: np.ndarray) -> list[np.ndarray]:
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    edges = cv2.dilate(cv2.Canny(blurred, 30, 120), np.ones((3, 3), np.uint8), iterations=2)
    _, otsu = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return [edges, otsu, 255 - otsu]


def find_card_corners(image: np.ndarray) -> np.ndarray | None:
    """The card's four corners in `image` (ordered as _order_corners), or None."""
    h, w = image.shape[:2]
    scale = min(1.0, _WORK_SIDE / max(h, w))
    small = cv2.resize(image, (round(w * scale), round(h * scale))) if scale < 1 else image
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    area_total = gray.shape[0] * gray.shape[1]
    best: tuple[float, np.ndarray] | None = None
    for mask in _candidate_masks(gray):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
            area = cv2.contourArea(contour)
            # A quadrilateral covering (nearly) the whole frame is the photo's own border.
            if not _MIN_AREA * area_total <= area <= 0.98 * area_total:
                continue
            hull = cv2.convexHull(contour)
            quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
            if len(quad) != 4:
                # Rounded corners or a finger over one: the minimal rectangle still fits.
                quad = cv2.boxPoints(cv2.minAreaRect(hull)).reshape(4, 1, 2)
            if best is None or area > best[0]:
                best = (area, quad)
            break
    if best is None:
        return None
    return _order_corners(best[1] / scale)


def straighten_card(image: np.ndarray) -> tuple[np.ndarray, bool]:
    """(the card warped to CARD_SIZE, whether a card was found). A photo without a card
    outline comes back unchanged, only scaled up when it is small."""
    corners = find_card_corners(image)
    if corners is None:
        h, w = image.shape[:2]
        if w < CARD_SIZE[0]:
            f = CARD_SIZE[0] / w
            image = cv2.resize(image, (CARD_SIZE[0], round(h * f)), interpolation=cv2.INTER_CUBIC)
        return image, False
    top_w = np.linalg.norm(corners[1] - corners[0])
    left_h = np.linalg.norm(corners[3] - corners[0])
    if left_h > top_w:
        # Photographed in portrait: turn the corners so the long side is on top.
        corners = np.roll(corners, -1, axis=0)
    target = np.array(
        [
            [0, 0],
            [CARD_SIZE[0] - 1, 0],
            [CARD_SIZE[0] - 1, CARD_SIZE[1] - 1],
            [0, CARD_SIZE[1] - 1],
        ],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(corners, target)
    warped = cv2.warpPerspective(image, matrix, CARD_SIZE, flags=cv2.INTER_CUBIC)
    return warped, True
