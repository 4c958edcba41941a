"""deploy/ stays consistent: YAML parses, references resolve, every `serve --only` names a real service,
the NATS config copies agree and load (deploy/check.py, no Docker or cluster needed)."""

from __future__ import annotations

import subprocess
import sys

from app.runtime import ALL_SERVICES
from tests.e2e.helpers import ROOT


def test_deploy_check_passes() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "check.py")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_deploy_knows_every_service() -> None:
    text = (ROOT / "deploy" / "check.py").read_text()
    assert all(f'"{name}"' in text for name in (*ALL_SERVICES, "review"))
    compose = (ROOT / "deploy" / "compose.yaml").read_text()
    k8s = (ROOT / "deploy" / "k8s" / "assay-services.yaml").read_text()
    for name in (*ALL_SERVICES, "review"):
        assert name in compose and name in k8s, name
