"""Serve the fake Alipay and the fake bank for the demo.

    python -m xinghuo.settlement.channels.fakes --port 8701 --config-dir var/fake-channels

writes the keys and certificates the clients need into ``--config-dir`` and prints
the matching ``PAYOUT_CHANNELS`` setting as JSON, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
from pathlib import Path

from ._server import FakeServer
from .alipay import FakeAlipay
from .bank import FakeBank
from .pki import private_pem, public_pem


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--config-dir", type=Path, default=Path("var/fake-channels"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)

    alipay, bank = FakeAlipay(), FakeBank()
    server = FakeServer([alipay, bank], host=args.host, port=args.port)
    config_dir: Path = args.config_dir
    config_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "alipay_app_private_key.pem": alipay.pki.app_private_key_pem,
        "alipay_app_cert.crt": alipay.pki.app_cert_pem,
        "alipay_public_cert.crt": alipay.pki.alipay_cert_pem,
        "alipay_root_cert.crt": alipay.pki.root_bundle_pem,
        "bank_merchant_private_key.pem": private_pem(bank.keys.merchant_key),
        "bank_public_key.pem": public_pem(bank.keys.bank_key),
    }
    for name, data in files.items():
        path = config_dir / name
        path.write_bytes(data)
        path.chmod(0o600)
    d = config_dir.resolve()
    setting = {
        "alipay": {
            "BACKEND": "alipay",
            "OPTIONS": {
                "app_id": alipay.app_id,
                "gateway_url": alipay.base_url + "/gateway.do",
                "app_private_key_path": str(d / "alipay_app_private_key.pem"),
                "app_cert_path": str(d / "alipay_app_cert.crt"),
                "alipay_cert_path": str(d / "alipay_public_cert.crt"),
                "alipay_root_cert_path": str(d / "alipay_root_cert.crt"),
            },
        },
        "bank": {
            "BACKEND": "bank",
            "OPTIONS": {
                "base_url": bank.base_url,
                "merchant_id": bank.merchant_id,
                "private_key_path": str(d / "bank_merchant_private_key.pem"),
                "bank_public_key_path": str(d / "bank_public_key.pem"),
            },
        },
    }
    (config_dir / "payout_channels.json").write_text(json.dumps(setting, indent=2))
    print(json.dumps({"PAYOUT_CHANNELS": setting}, indent=2), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
