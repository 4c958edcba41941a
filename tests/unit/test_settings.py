"""Settings from the environment: defaults, and a clear refusal of values Assay cannot use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.config import SettingsError, load_settings
from app.runtime import Runtime
from domain.errors import InvalidInput


def test_workers_default_and_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSAY_WORKERS", raising=False)
    assert load_settings().workers == 16
    monkeypatch.setenv("ASSAY_WORKERS", "40")
    assert load_settings().workers == 40


@pytest.mark.parametrize("value", ["0", "-3", "many", "2.5", "257"])
def test_unusable_workers_are_refused_by_name(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ASSAY_WORKERS", value)
    message = f"ASSAY_WORKERS {value!r} is out of range: it must be a whole number in 1..256"
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings()
    assert issubclass(SettingsError, InvalidInput)  # the CLI prints it as one line, exit 2


def test_model_call_timeout_and_retries_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.llm import LLM

    monkeypatch.delenv("ASSAY_LLM_TIMEOUT", raising=False)
    monkeypatch.delenv("ASSAY_LLM_RETRIES", raising=False)
    assert (LLM().timeout, LLM().num_retries) == (60.0, 2)
    monkeypatch.setenv("ASSAY_LLM_TIMEOUT", "12.5")
    monkeypatch.setenv("ASSAY_LLM_RETRIES", "0")
    assert (LLM().timeout, LLM().num_retries) == (12.5, 0)
    assert (LLM(timeout=3, num_retries=1).timeout, LLM(timeout=3, num_retries=1).num_retries) == (3, 1)
    for name, bad in (
        ("ASSAY_LLM_TIMEOUT", "0"),
        ("ASSAY_LLM_TIMEOUT", "nan"),
        ("ASSAY_LLM_RETRIES", "-1"),
        ("ASSAY_LLM_TIMEOUT", "inf"),
        ("ASSAY_LLM_TIMEOUT", "3601"),
        ("ASSAY_LLM_RETRIES", "21"),
    ):
        monkeypatch.setenv(name, bad)
        with pytest.raises(SettingsError, match=name):
            load_settings()
        monkeypatch.delenv(name)


def test_a_runs_concurrency_raises_the_workers_never_lowers_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_WORKERS", "16")
    settings = load_settings()
    assert Runtime(settings).max_workers == 16
    assert Runtime(settings, max_workers=32).max_workers == 32
    assert Runtime(settings, max_workers=4).max_workers == 16


def test_review_session_hours_and_trusted_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSAY_SESSION_HOURS", raising=False)
    monkeypatch.delenv("ASSAY_TRUSTED_PROXIES", raising=False)
    assert (load_settings().session_hours, load_settings().trusted_proxies) == (12.0, 0)
    monkeypatch.setenv("ASSAY_SESSION_HOURS", "0.5")
    monkeypatch.setenv("ASSAY_TRUSTED_PROXIES", "1")
    assert (load_settings().session_hours, load_settings().trusted_proxies) == (0.5, 1)
    for bad in ("0", "0.1", "721", "inf", "nan", "soon"):
        monkeypatch.setenv("ASSAY_SESSION_HOURS", bad)
        with pytest.raises(
            SettingsError,
            match=re.escape(f"ASSAY_SESSION_HOURS {bad!r} is out of range: it must be a number in [0.25, 720]"),
        ):
            load_settings()
    monkeypatch.delenv("ASSAY_SESSION_HOURS")
    for bad in ("-1", "11", "yes"):
        monkeypatch.setenv("ASSAY_TRUSTED_PROXIES", bad)
        with pytest.raises(
            SettingsError, match="ASSAY_TRUSTED_PROXIES .* is out of range: it must be a whole number in 0..10"
        ):
            load_settings()


def test_an_empty_home_or_stream_means_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSAY_HOME", "")
    monkeypatch.setenv("ASSAY_STREAM", "")
    monkeypatch.delenv("ASSAY_STORE_URL", raising=False)
    settings = load_settings()
    assert settings.home == (tmp_path / ".assay").resolve()
    assert settings.store_url.endswith("/.assay/ledger.sqlite") and settings.stream == "ASSAY"
