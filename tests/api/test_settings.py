from pathlib import Path

import pytest

from api.oauth.keys import load_signing_key
from api.settings import Settings, SettingsError, TrustedIssuer
from tests.support.documents import PRODUCTION_ENV


def test_defaults_run_on_a_fresh_machine():
    settings = Settings.from_env({})
    assert settings.env == "development"
    assert settings.database_url == "sqlite://var/portal.sqlite3"
    assert settings.issuer == "http://127.0.0.1:8000"
    assert settings.audience == "billing-portal"
    assert settings.smtp_url is None
    assert settings.token_ttl_seconds == 900


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORTAL_ENV", "staging"),
        ("PORTAL_DATABASE_URL", "mysql://x"),
        ("PORTAL_ISSUER", "not a url"),
        ("PORTAL_TOKEN_TTL_SECONDS", "ten"),
        ("PORTAL_TOKEN_TTL_SECONDS", "5"),
        ("PORTAL_PORT", "70000"),
        ("PORTAL_TRUSTED_ISSUERS", "idp.example.com"),
        ("PORTAL_SMTP_URL", "http://mail"),
        ("PORTAL_LOG_LEVEL", "LOUD"),
        ("PORTAL_GRAPHQL_MAX_DEPTH", "0"),
    ],
)
def test_bad_value_names_the_variable(variable, value):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})
    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}: ")


def test_trusted_issuers_with_and_without_jwks_url():
    settings = Settings.from_env(
        {"PORTAL_TRUSTED_ISSUERS": "https://idp.example.com/, https://other.test|https://other.test/keys.json"}
    )
    assert settings.trusted_issuers == (
        TrustedIssuer("https://idp.example.com/"),  # kept as spelled: a token's iss must equal it
        TrustedIssuer("https://other.test", "https://other.test/keys.json"),
    )


def test_production_requires_https_issuer():
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"PORTAL_ENV": "production", "PORTAL_ISSUER": "http://portal.example.com"})
    assert raised.value.variable == "PORTAL_ISSUER"


def test_development_generates_a_private_key_once(tmp_path: Path):
    settings = Settings.from_env({"PORTAL_SIGNING_KEY_FILE": str(tmp_path / "k.json")})
    first = load_signing_key(settings)
    again = load_signing_key(settings)
    assert first.kid == again.kid
    assert (tmp_path / "k.json").stat().st_mode & 0o077 == 0, "the key file must be private"


def test_production_refuses_to_start_without_a_key(tmp_path: Path):
    settings = Settings.from_env({**PRODUCTION_ENV, "PORTAL_SIGNING_KEY_FILE": str(tmp_path / "missing.json")})
    with pytest.raises(SettingsError) as raised:
        load_signing_key(settings)
    assert raised.value.variable == "PORTAL_SIGNING_KEY_FILE"
    assert not (tmp_path / "missing.json").exists()


def test_the_clock_can_be_fixed_in_development_only():
    from datetime import date

    from api.oauth.keys import generate_signing_key
    from api.services import Services

    fixed = Settings.from_env({"PORTAL_CLOCK": "2027-02-01"})
    services = Services.build(fixed, generate_signing_key())
    assert fixed.clock == date(2027, 2, 1) and services.clock.today() == date(2027, 2, 1)
    assert services.clock.simulation_allowed
    assert Settings.from_env({}).clock is None
    with pytest.raises(SettingsError, match="PORTAL_CLOCK"):
        Settings.from_env({"PORTAL_CLOCK": "February"})
    with pytest.raises(SettingsError, match="PORTAL_CLOCK"):
        Settings.from_env({"PORTAL_ENV": "production", "PORTAL_ISSUER": "https://portal.example.com",
                           "PORTAL_CLOCK": "2027-02-01"})


def test_a_dot_env_file_is_read_and_the_environment_wins_over_it(tmp_path: Path, monkeypatch):
    env_file = tmp_path / "portal.env"
    env_file.write_text("PORTAL_TOKEN_TTL_SECONDS=600\nPORTAL_AUDIENCE=from-the-file\n# a comment\nOTHER=ignored\n")
    for variable in Settings.variables().values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("PORTAL_ENV_FILE", str(env_file))
    monkeypatch.setenv("PORTAL_AUDIENCE", "from-the-environment")
    settings = Settings.from_env()
    assert (settings.token_ttl_seconds, settings.audience) == (600, "from-the-environment")

    env_file.write_text("PORTAL_TOKEN_TTL_SECONDS=ten\n")
    with pytest.raises(SettingsError) as raised:
        Settings.from_env()
    assert str(raised.value) == "PORTAL_TOKEN_TTL_SECONDS: must be a whole number, not 'ten'"

    monkeypatch.setenv("PORTAL_ENV_FILE", str(tmp_path / "missing.env"))
    assert Settings.from_env().token_ttl_seconds == 900, "no file is no error"


def test_a_mapping_is_read_alone_and_blank_values_are_unset(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PORTAL_TOKEN_TTL_SECONDS", "600")
    assert Settings.from_env({}).token_ttl_seconds == 900, "a mapping given is the whole environment"
    assert Settings().token_ttl_seconds == 900, "Settings(...) never reads the environment"
    assert Settings.from_env({"PORTAL_TOKEN_TTL_SECONDS": "  ", "PORTAL_PORT": " 9300 "}).port == 9300


def test_errors_say_what_is_wrong_with_the_value():
    cases = {
        "PORTAL_PORT": ("70000", "must be between 1 and 65535, not 70000"),
        "PORTAL_DB_STATEMENT_TIMEOUT_SECONDS": ("0", "must be between 0.1 and 3600, not 0"),
        "PORTAL_ENV": ("staging", "must be one of development or production, not 'staging'"),
        "PORTAL_GRAPHQL_COMPILED_PLANS": ("maybe", "must be on or off, not 'maybe'"),
        "PORTAL_METRICS_PORT": ("http", "must be a whole number, not 'http'"),
        "PORTAL_ISSUER": ("ftp://x", "must be an http(s) URL, not 'ftp://x'"),
    }
    for variable, (value, message) in cases.items():
        with pytest.raises(SettingsError) as raised:
            Settings.from_env({variable: value})
        assert str(raised.value) == f"{variable}: {message}"


def test_secrets_and_urls_with_passwords_are_not_in_the_settings_repr():
    secret = "s" * 40
    settings = Settings.from_env({
        "PORTAL_DATABASE_URL": "postgres://portal:db-password@db:5432/portal",
        "PORTAL_SMTP_URL": "smtp+starttls://mailer:smtp-password@mail:587",
        "PORTAL_REDIS_URL": "redis://:redis-password@cache:6379/0",
        "PORTAL_SESSION_SECRET": secret, "PORTAL_METRICS_TOKEN": secret, "PORTAL_DOCUMENT_LINK_SECRET": secret,
    })
    shown = repr(settings)
    for hidden in ("db-password", "smtp-password", "redis-password", secret):
        assert hidden not in shown
    assert settings.smtp_url == "smtp+starttls://mailer:smtp-password@mail:587"


def test_every_setting_is_described_and_in_the_readme():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name} has no description"
    missing = [variable for variable in Settings.variables().values() if f"`{variable}" not in readme]
    assert missing == []
