"""The real engine: RapidOCR (PP-OCR models run by onnxruntime), fully offline.

The `rapidocr` wheel (3.x) ships its PP-OCRv6 detection and recognition models and the
direction classifier inside the package (`rapidocr/models/`). We pass their paths
explicitly, so a missing file is an error (OcrUnavailable) and never a download.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .base import OcrLine, OcrUnavailable

_MODEL_FILES = {
    "Det.model_path": "PP-OCRv6_det_small.onnx",
    "Rec.model_path": "PP-OCRv6_rec_small.onnx",
    "Cls.model_path": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}

_lock = threading.Lock()
_shared: Any = None


def _load() -> Any:
    """One RapidOCR instance per process: loading the models takes about a second."""
    global _shared
    with _lock:
        if _shared is None:
            try:
                import rapidocr
                from rapidocr import RapidOCR
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise OcrUnavailable("the rapidocr package is not installed") from exc
            models = Path(rapidocr.__file__).resolve().parent / "models"
            params: dict[str, Any] = {
                "Global.log_level": "warning",
                # The card is straightened before OCR, so the text-direction classifier only
                # costs time; an upside-down photo fails to parse and the worker retakes it.
                "Global.use_cls": False,
                # The straightened card is 856 px wide: detect at that size rather than
                # upscaling its short side to 736 px (the default), which doubles the time.
                "Det.limit_type": "max",
                "Det.limit_side_len": 960,
            }
            for key, name in _MODEL_FILES.items():
                path = models / name
                if not path.is_file():
                    raise OcrUnavailable(f"model file missing (no download is attempted): {path}")
                params[key] = str(path)
            _shared = RapidOCR(params=params)
            logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        return _shared


class RapidOcrEngine:
    def read(self, image: np.ndarray) -> list[OcrLine]:
        result = _load()(image)
        if result is None or result.boxes is None:
            return []
        return [
            OcrLine(str(text), float(score), tuple((float(x), float(y)) for x, y in box))
            for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True)
        ]
