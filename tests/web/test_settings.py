"""Settings come from the environment: safe for local use, strict for production."""

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import sladesk.settings

SETTINGS = sladesk.settings.__file__
SLADESK = Path(sys.executable).parent / "sladesk"
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "desk.example.com",
}


def load(monkeypatch, **env: str) -> dict:
    """The settings as they would load with exactly this environment."""
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(SETTINGS)


def test_with_no_environment_sladesk_runs_locally_on_sqlite_in_var(monkeypatch):
    s = load(monkeypatch)
    assert s["DEBUG"] is True
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["DATABASES"]["default"]["NAME"] == str(s["BASE_DIR"] / "var" / "sladesk.sqlite3")
    assert s["TIME_ZONE"] == "Asia/Shanghai"
    assert s["LANGUAGE_CODE"] == "zh-hans"
    assert s["MAILERS"]["default"]["BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load(monkeypatch, DEBUG="0")


def test_a_switch_that_is_neither_on_nor_off_is_an_error_naming_it(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe'"):
        load(monkeypatch, DEBUG="maybe")


def test_production_is_https_only_by_default(monkeypatch):
    s = load(monkeypatch, **PRODUCTION)
    assert s["SECURE_SSL_REDIRECT"] and s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert s["ALLOWED_HOSTS"] == ["desk.example.com"]
    assert s["MAILERS"]["default"]["OPTIONS"]["host"] == "localhost"


def test_behind_a_tls_proxy_the_redirect_can_be_left_to_the_proxy(monkeypatch):
    s = load(
        monkeypatch,
        **PRODUCTION,
        SECURE_SSL_REDIRECT="off",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
    )
    assert s["SECURE_SSL_REDIRECT"] is False
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_mail_goes_to_the_smtp_server_named_in_the_environment(monkeypatch):
    s = load(monkeypatch, EMAIL_HOST="smtp.example.com", EMAIL_PORT="465", EMAIL_USE_SSL="1")
    options = s["MAILERS"]["default"]["OPTIONS"]
    assert (options["host"], options["port"], options["use_ssl"]) == ("smtp.example.com", 465, True)


def test_check_deploy_is_clean_with_the_production_environment(tmp_path):
    env = {**os.environ, **PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    result = subprocess.run(
        [SLADESK, "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"
