"""Runtime settings: one typed, validated, documented field per ``PORTAL_*`` variable,
read with pydantic-settings from the environment and a ``.env`` file.

Every setting has an embedded default that works on a fresh machine (SQLite file,
built-in OAuth issuer, local mail sink, a sample issuer and bank account on
invoices). ``Settings.from_env()`` reads the process's environment over the
``.env`` file (``PORTAL_ENV_FILE``, default ``.env`` in the working directory); a
bad value stops start-up with a ``SettingsError`` that names the variable, so an
operator knows what to fix; so does, in production, a setting printed on invoices
that was left at its sample (``_require_own_values``). The value types and their
checks are in ``api.settings_types``.

``Settings(...)`` itself never reads the environment: it is the values given and
the defaults (what tests and tools build), validated the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from api.settings_types import (
    AccountNumber,
    ConsoleUrl,
    Countries,
    DatabaseUrl,
    Day,
    Directory,
    Kana,
    KeyPrefix,
    OptionalPort,
    Origins,
    RedisUrl,
    RegistrationNumber,
    Secret,
    SettingsError,
    SmtpUrl,
    TrustedIssuer,
    TrustedIssuers,
    Url,
    Words,
    settings_error,
)

__all__ = ["ENVIRONMENTS", "ENV_FILE_VARIABLE", "SAMPLE_BANK", "Settings", "SettingsError", "TrustedIssuer"]

ENVIRONMENTS = ("development", "production")
ENV_FILE_VARIABLE = "PORTAL_ENV_FILE"
"""Names the ``.env`` file ``Settings.from_env()`` reads (default ``.env``; a missing file is no error)."""
SAMPLE_BANK = {
    "PORTAL_BANK_NAME": "サンプル銀行",
    "PORTAL_BANK_BRANCH": "サンプル支店",
    "PORTAL_BANK_ACCOUNT_NUMBER": "0000000",
    "PORTAL_BANK_ACCOUNT_HOLDER": "ｻﾝﾌﾟﾙ ｺｳｻﾞ",
}
"""The development bank account printed on invoice documents: plainly a sample
(サンプル = sample), refused in production."""

_OTLP = AliasChoices("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


class Settings(BaseSettings):
    """Every setting of the service; the variable is ``PORTAL_`` + the field's name in
    capitals (``token_ttl_seconds`` is ``PORTAL_TOKEN_TTL_SECONDS``). README.md's
    Configuration section says more of each."""

    model_config = SettingsConfigDict(
        env_prefix="PORTAL_", env_ignore_empty=True, extra="ignore", frozen=True, populate_by_name=True
    )

    # --- the service -------------------------------------------------------------
    env: Literal["development", "production"] = Field("development", description="development or production")
    database_url: DatabaseUrl = Field(
        "sqlite://var/portal.sqlite3", repr=False, description="sqlite://PATH or postgres://user:pass@host:5432/db"
    )
    db_connect_timeout_seconds: float = Field(5.0, ge=0.1, le=300, description="longest wait for a connection")
    db_statement_timeout_seconds: float = Field(10.0, ge=0.1, le=3_600, description="longest a statement may run")
    host: str = Field("127.0.0.1", description="where portal serve listens")
    port: int = Field(8000, ge=1, le=65_535, description="the port portal serve listens on")
    shutdown_drain_seconds: float = Field(5.0, ge=0, le=300, description="on SIGTERM, serve this long while /readyz is 503")
    shutdown_timeout_seconds: int = Field(20, ge=1, le=3_600, description="then wait this long for requests in flight")
    clock: Day | None = Field(None, description="development only: the service's fixed date")

    # --- OAuth: the embedded issuer, external issuers, sign-in -------------------------
    issuer: Url = Field("http://127.0.0.1:8000", description="this service's issuer URL (development: its address)")
    issuer_set: bool = Field(False, exclude=True, description="derived: PORTAL_ISSUER was given")
    audience: str = Field("billing-portal", description="the aud every access token must contain")
    signing_key_file: Path = Field(Path("var/signing-key.json"), description="the issuer's JWK Set of private keys")
    trusted_issuers: TrustedIssuers = Field((), description="external issuers: ISSUER or ISSUER|JWKS_URL, comma-separated")
    jwks_timeout_seconds: float = Field(3.0, ge=0.1, le=60, description="longest wait for an external issuer's keys")
    token_ttl_seconds: int = Field(900, ge=60, le=86_400, description="lifetime of issued access tokens")
    auth_failures_per_client: int = Field(10, ge=1, le=10_000, description="failed client authentications per client id")
    auth_failures_per_address: int = Field(30, ge=1, le=100_000, description="failed client authentications per address")
    auth_failure_window_seconds: int = Field(300, ge=1, le=86_400, description="the window of both budgets")
    secret_hash_concurrency: int = Field(2, ge=1, le=16, description="client-secret checks at once")
    authorization_code_ttl_seconds: int = Field(60, ge=10, le=600, description="lifetime of an authorization code")
    refresh_token_ttl_seconds: int = Field(2_592_000, ge=300, le=31_536_000, description="longest life of a sign-in")
    refresh_token_idle_seconds: int = Field(604_800, ge=300, le=31_536_000, description="refresh token idle expiry")
    session_ttl_seconds: int = Field(28_800, ge=60, le=2_592_000, description="lifetime of the sign-in session cookie")
    session_secret: Secret | None = Field(None, repr=False, description="signs the session cookie (else derived)")
    login_failures_per_user: int = Field(5, ge=1, le=10_000, description="failed sign-ins per user")
    login_failures_per_address: int = Field(20, ge=1, le=100_000, description="failed sign-ins per address")
    introspection_clients: Words = Field((), description="production: client ids that may introspect the schema")

    # --- HTTP and GraphQL limits -------------------------------------------------------
    cors_origins: Origins = Field((), description="web origins allowed to call the API, or *")
    max_body_bytes: int = Field(262_144, ge=1_024, le=10_485_760, description="larger bodies get 413")
    graphql_max_depth: int = Field(10, ge=2, le=50, description="deeper queries are refused")
    graphql_max_aliases: int = Field(15, ge=1, le=200, description="queries with more aliases are refused")
    graphql_max_tokens: int = Field(2_000, ge=100, le=50_000, description="queries with more tokens are refused")
    graphql_max_cost: int = Field(10_000, ge=100, le=1_000_000, description="costlier operations are refused")
    graphql_timeout_seconds: float = Field(5.0, ge=0.1, le=300, description="wall-clock budget of one operation")
    graphql_compiled_plans: bool = Field(True, description="on: trusted queries run on compiled plans")
    trusted_documents_dir: Directory | None = Field(None, description="your own trusted documents (*.graphql)")
    rate_limit_client_per_minute: int = Field(600, ge=0, le=1_000_000, description="per partner client; 0: no limit")
    rate_limit_client_burst: int = Field(100, ge=1, le=1_000_000, description="per partner client, at once")
    rate_limit_subject_per_minute: int = Field(300, ge=0, le=1_000_000, description="per person; 0: no limit")
    rate_limit_subject_burst: int = Field(100, ge=1, le=1_000_000, description="per person, at once")
    redis_url: RedisUrl | None = Field(None, repr=False, description="shared rate-limit buckets (else in memory)")
    redis_key_prefix: KeyPrefix = Field("portal:", description="prefix of this deployment's Redis keys")
    idempotency_ttl_seconds: int = Field(86_400, ge=60, le=604_800, description="how long answers are replayed")
    idempotency_wait_seconds: float = Field(10.0, ge=0, le=120, description="a duplicate waits this long")

    # --- observability -----------------------------------------------------------------
    otlp_endpoint: str | None = Field(
        None, validation_alias=_OTLP, description="OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT: traces go there"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="the lowest level logged")
    log_format: Literal["json", "text"] = Field("text", description="json (production default) or text")
    metrics: Literal["public", "token", "off"] = Field("public", description="who may scrape /metrics")
    metrics_token: Secret | None = Field(None, repr=False, description="the bearer token /metrics asks for")
    metrics_port: OptionalPort = Field(None, ge=1, le=65_535, description="serve metrics on this port instead")

    # --- email and webhooks ------------------------------------------------------------
    smtp_url: SmtpUrl | None = Field(None, repr=False, description="where mail goes (else the local sink)")
    mail_from: str = Field("Billing Portal <billing@portal.invalid>", description="the From of every message")
    mail_dir: Path = Field(Path("var/mail"), description="where the development mail sink writes .eml files")
    outbox_max_attempts: int = Field(8, ge=1, le=50, description="attempts before a message is FAILED")
    outbox_backoff_seconds: int = Field(30, ge=1, le=3_600, description="wait after the first failed attempt")
    outbox_backoff_max_seconds: int = Field(3_600, ge=1, le=86_400, description="longest wait between attempts")
    outbox_lease_seconds: int = Field(300, ge=1, le=86_400, description="how long a claimed batch is the worker's")
    outbox_batch_size: int = Field(100, ge=1, le=1_000, description="messages per claim")
    outbox_concurrency: int = Field(4, ge=1, le=32, description="SMTP connections per worker")
    outbox_poll_seconds: int = Field(2, ge=1, le=300, description="how often an idle worker looks")
    webhook_timeout_seconds: float = Field(10.0, ge=0.1, le=120, description="longest one webhook try may take")
    webhook_backoff_seconds: float = Field(5.0, ge=0.01, le=86_400, description="wait after the first failed try")
    webhook_backoff_max_seconds: float = Field(36_000.0, ge=0.01, le=604_800, description="longest wait between tries")
    webhook_retry_window_seconds: int = Field(259_200, ge=1, le=2_592_000, description="how long a delivery is tried")
    webhook_failure_threshold: int = Field(20, ge=1, le=10_000, description="failures in a row that disable an endpoint")
    webhook_concurrency: int = Field(8, ge=1, le=128, description="webhook tries in flight per worker")

    # --- invoicing ---------------------------------------------------------------------
    invoice_switching_fee_jpy: int = Field(0, ge=0, le=1_000_000, description="fee shown on an invoice application")
    invoice_monthly_fee_jpy: int = Field(0, ge=0, le=1_000_000, description="monthly fee of paying by invoice")
    card_countries: Countries = Field(("US", "CA", "GB", "AU", "SG"), description="where small GLOBAL orders need a card")
    issuer_name: str = Field("Billing Portal K.K.", description="the issuer printed on every invoice")
    issuer_registration_number: RegistrationNumber | None = Field(
        "T7000012050002", description="the issuer's qualified-invoice registration number (sample)"
    )
    bank_name: str = Field(SAMPLE_BANK["PORTAL_BANK_NAME"], description="the bank customers transfer to (sample)")
    bank_branch: str = Field(SAMPLE_BANK["PORTAL_BANK_BRANCH"], description="its branch (sample)")
    bank_account_type: Literal["ORDINARY", "CHECKING"] = Field("ORDINARY", description="ORDINARY (普通) or CHECKING (当座)")
    bank_account_number: AccountNumber = Field(SAMPLE_BANK["PORTAL_BANK_ACCOUNT_NUMBER"], description="7 digits (sample)")
    bank_account_holder: Kana = Field(SAMPLE_BANK["PORTAL_BANK_ACCOUNT_HOLDER"], description="the holder in kana (sample)")
    console_url: ConsoleUrl | None = Field(None, description="where the console is (default: the issuer's /console/)")
    document_link_secret: Secret | None = Field(None, repr=False, description="signs document links (else derived)")

    @model_validator(mode="before")
    @classmethod
    def _defaults_that_follow_other_settings(cls, data: Any) -> Any:
        """The issuer follows ``host``/``port`` unless given; logs are JSON and metrics
        need a token in production unless told otherwise."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        production = data.get("env") == "production"
        data.setdefault("log_format", "json" if production else "text")
        data.setdefault("metrics", "token" if production else "public")
        data["issuer_set"] = data.get("issuer") is not None
        if data.get("issuer") is None:
            port = str(data.get("port", 8000))
            data["issuer"] = local_issuer(str(data.get("host", "127.0.0.1")), int(port) if port.isdigit() else 8000)
        return data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """``Settings(...)`` takes only what it is given: the environment is read by ``from_env``."""
        return (init_settings,)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def listening_on(self, host: str, port: int) -> Settings:
        """These settings for a server on ``host``:``port`` (``portal serve --host --port``):
        without ``PORTAL_ISSUER`` the issuer is that address, so the metadata's endpoints
        are where the server listens. Production always sets ``PORTAL_ISSUER``."""
        issuer = self.issuer if self.issuer_set else local_issuer(host, port)
        return self.model_copy(update={"host": host, "port": port, "issuer": issuer})

    @property
    def console(self) -> str:
        """Where customers open the console (``PORTAL_CONSOLE_URL``; by default the
        development console this service serves), ending in ``/``."""
        return self.console_url or f"{self.issuer}/console/"

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Each setting's field name and its variable (derived fields have none)."""
        return {name: _variable(name, field.validation_alias) for name, field in cls.model_fields.items()
                if not field.exclude}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` alone, or (``None``) from the process's
        environment over the ``.env`` file ``PORTAL_ENV_FILE`` names (default ``.env``)."""
        layers: list[PydanticBaseSettingsSource] = []
        if environ is None:
            environ = os.environ
            layers.append(DotEnvSettingsSource(cls, env_file=Path(environ.get(ENV_FILE_VARIABLE) or ".env")))
        layers.append(_Variables(cls, environ))
        given: dict[str, Any] = {}
        for layer in layers:  # later layers win: the environment over the file
            given.update(layer())
        try:
            settings = cls.model_validate(given)
        except ValidationError as error:
            raise settings_error(error, _variable_of(cls), _bounds(cls)) from None
        _check_together(settings, given)
        return settings


class _Variables(EnvSettingsSource):
    """pydantic-settings' environment source, over ``environ`` rather than always
    ``os.environ`` (so a test can pass a mapping); values are stripped and a blank one
    counts as unset, as ``.env`` files and shells often leave them."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name.lower(): value.strip() for name, value in self._environ.items() if value.strip()}


def _variable(name: str, alias: Any) -> str:
    if isinstance(alias, AliasChoices):
        return str(alias.choices[-1])
    return f"PORTAL_{name.upper()}"


def _variable_of(cls: type[Settings]) -> dict[str, str]:
    names = cls.variables()
    aliases = {
        str(choice): names[name]
        for name, field in cls.model_fields.items() if isinstance(field.validation_alias, AliasChoices)
        for choice in field.validation_alias.choices
    }
    return {**names, **aliases}


def _bounds(cls: type[Settings]) -> dict[str, tuple[Any, Any]]:
    bounds = {}
    for name, field in cls.model_fields.items():
        low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
        high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
        if low is not None and high is not None:
            bounds[name] = (low, high)
    return bounds


def local_issuer(host: str, port: int) -> str:
    """The development issuer of a server on ``host``:``port``: ``http://127.0.0.1:9300``
    (an any-address bind is reached on the loopback address; IPv6 in brackets)."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _check_together(settings: Settings, given: Mapping[str, Any]) -> None:
    """The rules that span several variables, and production's."""
    if settings.webhook_backoff_max_seconds < settings.webhook_backoff_seconds:
        raise SettingsError("PORTAL_WEBHOOK_BACKOFF_MAX_SECONDS", "must not be less than PORTAL_WEBHOOK_BACKOFF_SECONDS")
    if not settings.is_production:
        return
    if settings.clock is not None:
        raise SettingsError("PORTAL_CLOCK", "cannot be set in production: the service runs on the real date")
    if not settings.issuer_set:
        raise SettingsError("PORTAL_ISSUER", "must be set in production: the service's public https:// URL")
    if not settings.issuer.startswith("https://"):
        raise SettingsError("PORTAL_ISSUER", "must be an https:// URL in production")
    _require_own_values(given)


_PRINTED_ON_INVOICES = (
    ("issuer_name", Settings.model_fields["issuer_name"].default),
    ("issuer_registration_number", Settings.model_fields["issuer_registration_number"].default),
    ("bank_name", SAMPLE_BANK["PORTAL_BANK_NAME"]),
    ("bank_branch", SAMPLE_BANK["PORTAL_BANK_BRANCH"]),
    ("bank_account_type", None),  # ORDINARY is a real type too: it must only be chosen
    ("bank_account_number", SAMPLE_BANK["PORTAL_BANK_ACCOUNT_NUMBER"]),
    ("bank_account_holder", SAMPLE_BANK["PORTAL_BANK_ACCOUNT_HOLDER"]),
)
"""The settings every invoice document prints, with their development samples."""


def _require_own_values(given: Mapping[str, Any]) -> None:
    """Production never issues a document naming the sample issuer or the sample
    bank: a customer would file it, or transfer money to it. The first variable
    left unset or at its sample stops start-up."""
    for name, sample in _PRINTED_ON_INVOICES:
        variable = f"PORTAL_{name.upper()}"
        if name not in given:
            raise SettingsError(variable, "must be set in production: the development sample would be printed on invoices")
        if sample is not None and given[name] == sample:
            raise SettingsError(variable, f"is the development sample {sample!r}: set the real value in production")

