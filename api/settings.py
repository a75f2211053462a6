"""Runtime settings, read once from ``PORTAL_*`` environment variables.

Every setting has an embedded default that works on a fresh machine (SQLite file,
built-in OAuth issuer, local mail sink, a sample issuer and bank account on
invoices). A bad value stops start-up with a ``SettingsError`` that names the
variable, so an operator knows what to fix; so does, in production, a setting
printed on invoices that was left at its sample (``_require_own_values``). The
parsers are in ``api.settings_reader``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from api.settings_reader import EnvReader, SettingsError, TrustedIssuer

__all__ = ["ENVIRONMENTS", "SAMPLE_BANK", "Settings", "SettingsError", "TrustedIssuer"]

ENVIRONMENTS = ("development", "production")
ACCOUNT_TYPES = ("ORDINARY", "CHECKING")
SAMPLE_BANK = {
    "PORTAL_BANK_NAME": "サンプル銀行",
    "PORTAL_BANK_BRANCH": "サンプル支店",
    "PORTAL_BANK_ACCOUNT_NUMBER": "0000000",
    "PORTAL_BANK_ACCOUNT_HOLDER": "ｻﾝﾌﾟﾙ ｺｳｻﾞ",
}
"""The development bank account printed on invoice documents: plainly a sample
(サンプル = sample), refused in production."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    database_url: str = "sqlite://var/portal.sqlite3"
    db_connect_timeout_seconds: float = 5.0
    db_statement_timeout_seconds: float = 10.0
    jwks_timeout_seconds: float = 3.0
    issuer: str = "http://127.0.0.1:8000"
    issuer_set: bool = False
    """``PORTAL_ISSUER`` was set; else the issuer is the local address (``listening_on``)."""
    audience: str = "billing-portal"
    signing_key_file: Path = Path("var/signing-key.json")
    trusted_issuers: tuple[TrustedIssuer, ...] = ()
    token_ttl_seconds: int = 900
    auth_failures_per_client: int = 10
    auth_failures_per_address: int = 30
    auth_failure_window_seconds: int = 300
    secret_hash_concurrency: int = 2
    authorization_code_ttl_seconds: int = 60
    refresh_token_ttl_seconds: int = 2_592_000
    refresh_token_idle_seconds: int = 604_800
    session_ttl_seconds: int = 28_800
    session_secret: str | None = None
    login_failures_per_user: int = 5
    login_failures_per_address: int = 20
    cors_origins: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8000
    shutdown_drain_seconds: float = 5.0
    shutdown_timeout_seconds: int = 20
    max_body_bytes: int = 262_144
    graphql_max_depth: int = 10
    graphql_max_aliases: int = 15
    graphql_max_tokens: int = 2_000
    graphql_max_cost: int = 10_000
    graphql_timeout_seconds: float = 5.0
    graphql_compiled_plans: bool = True
    rate_limit_client_per_minute: int = 600
    rate_limit_client_burst: int = 100
    rate_limit_subject_per_minute: int = 300
    rate_limit_subject_burst: int = 100
    redis_url: str | None = None
    otlp_endpoint: str | None = None
    """``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``…_TRACES_ENDPOINT``): traces are sent there (api/tracing.py); unset, none are made."""
    redis_key_prefix: str = "portal:"
    idempotency_ttl_seconds: int = 86_400
    idempotency_wait_seconds: float = 10.0
    trusted_documents_dir: Path | None = None
    introspection_clients: tuple[str, ...] = ()
    log_level: str = "INFO"
    log_format: str = "text"
    metrics: str = "public"
    metrics_token: str | None = None
    metrics_port: int | None = None
    smtp_url: str | None = None
    mail_from: str = "Billing Portal <billing@portal.invalid>"
    mail_dir: Path = Path("var/mail")
    outbox_max_attempts: int = 8
    outbox_backoff_seconds: int = 30
    outbox_backoff_max_seconds: int = 3_600
    outbox_lease_seconds: int = 300
    outbox_batch_size: int = 100
    outbox_concurrency: int = 4
    outbox_poll_seconds: int = 2
    webhook_timeout_seconds: float = 10.0
    webhook_backoff_seconds: float = 5.0
    webhook_backoff_max_seconds: float = 36_000.0
    webhook_retry_window_seconds: int = 259_200
    webhook_failure_threshold: int = 20
    webhook_concurrency: int = 8
    invoice_switching_fee_jpy: int = 0
    invoice_monthly_fee_jpy: int = 0
    card_countries: tuple[str, ...] = ("US", "CA", "GB", "AU", "SG")
    issuer_name: str = "Billing Portal K.K."
    issuer_registration_number: str | None = "T7000012050002"
    bank_name: str = SAMPLE_BANK["PORTAL_BANK_NAME"]
    bank_branch: str = SAMPLE_BANK["PORTAL_BANK_BRANCH"]
    bank_account_type: str = "ORDINARY"
    bank_account_number: str = SAMPLE_BANK["PORTAL_BANK_ACCOUNT_NUMBER"]
    bank_account_holder: str = SAMPLE_BANK["PORTAL_BANK_ACCOUNT_HOLDER"]
    console_url: str | None = None
    document_link_secret: str | None = None
    clock: date | None = None

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def listening_on(self, host: str, port: int) -> Settings:
        """These settings for a server on ``host``:``port`` (``portal serve --host --port``):
        without ``PORTAL_ISSUER`` the issuer is that address, so the metadata's endpoints
        are where the server listens. Production always sets ``PORTAL_ISSUER``."""
        issuer = self.issuer if self.issuer_set else local_issuer(host, port)
        return replace(self, host=host, port=port, issuer=issuer)

    @property
    def console(self) -> str:
        """Where customers open the console (``PORTAL_CONSOLE_URL``; by default the
        development console this service serves), ending in ``/``."""
        return self.console_url or f"{self.issuer}/console/"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (default: ``os.environ``)."""
        env = os.environ if environ is None else environ
        reader = EnvReader(env)
        host = reader.text("PORTAL_HOST", cls.host)
        port = reader.integer("PORTAL_PORT", cls.port, 1, 65_535)
        production = reader.choice("PORTAL_ENV", cls.env, ENVIRONMENTS) == "production"
        settings = cls(
            env=reader.choice("PORTAL_ENV", cls.env, ENVIRONMENTS),
            database_url=reader.database_url("PORTAL_DATABASE_URL", cls.database_url),
            db_connect_timeout_seconds=reader.seconds(
                "PORTAL_DB_CONNECT_TIMEOUT_SECONDS", cls.db_connect_timeout_seconds, 0.1, 300
            ),
            db_statement_timeout_seconds=reader.seconds(
                "PORTAL_DB_STATEMENT_TIMEOUT_SECONDS", cls.db_statement_timeout_seconds, 0.1, 3_600
            ),
            jwks_timeout_seconds=reader.seconds("PORTAL_JWKS_TIMEOUT_SECONDS", cls.jwks_timeout_seconds, 0.1, 60),
            issuer=reader.url("PORTAL_ISSUER", local_issuer(host, port)),
            issuer_set=reader.text("PORTAL_ISSUER", "") != "",
            audience=reader.text("PORTAL_AUDIENCE", cls.audience),
            signing_key_file=Path(reader.text("PORTAL_SIGNING_KEY_FILE", str(cls.signing_key_file))),
            trusted_issuers=reader.trusted_issuers("PORTAL_TRUSTED_ISSUERS"),
            token_ttl_seconds=reader.integer("PORTAL_TOKEN_TTL_SECONDS", cls.token_ttl_seconds, 60, 86_400),
            auth_failures_per_client=reader.integer(
                "PORTAL_AUTH_FAILURES_PER_CLIENT", cls.auth_failures_per_client, 1, 10_000
            ),
            auth_failures_per_address=reader.integer(
                "PORTAL_AUTH_FAILURES_PER_ADDRESS", cls.auth_failures_per_address, 1, 100_000
            ),
            auth_failure_window_seconds=reader.integer(
                "PORTAL_AUTH_FAILURE_WINDOW_SECONDS", cls.auth_failure_window_seconds, 1, 86_400
            ),
            secret_hash_concurrency=reader.integer(
                "PORTAL_SECRET_HASH_CONCURRENCY", cls.secret_hash_concurrency, 1, 16
            ),
            authorization_code_ttl_seconds=reader.integer(
                "PORTAL_AUTHORIZATION_CODE_TTL_SECONDS", cls.authorization_code_ttl_seconds, 10, 600
            ),
            refresh_token_ttl_seconds=reader.integer(
                "PORTAL_REFRESH_TOKEN_TTL_SECONDS", cls.refresh_token_ttl_seconds, 300, 31_536_000
            ),
            refresh_token_idle_seconds=reader.integer(
                "PORTAL_REFRESH_TOKEN_IDLE_SECONDS", cls.refresh_token_idle_seconds, 300, 31_536_000
            ),
            session_ttl_seconds=reader.integer("PORTAL_SESSION_TTL_SECONDS", cls.session_ttl_seconds, 60, 2_592_000),
            session_secret=reader.secret("PORTAL_SESSION_SECRET"),
            login_failures_per_user=reader.integer(
                "PORTAL_LOGIN_FAILURES_PER_USER", cls.login_failures_per_user, 1, 10_000
            ),
            login_failures_per_address=reader.integer(
                "PORTAL_LOGIN_FAILURES_PER_ADDRESS", cls.login_failures_per_address, 1, 100_000
            ),
            cors_origins=reader.origins("PORTAL_CORS_ORIGINS"),
            host=host,
            port=port,
            shutdown_drain_seconds=reader.seconds(
                "PORTAL_SHUTDOWN_DRAIN_SECONDS", cls.shutdown_drain_seconds, 0, 300
            ),
            shutdown_timeout_seconds=reader.integer(
                "PORTAL_SHUTDOWN_TIMEOUT_SECONDS", cls.shutdown_timeout_seconds, 1, 3_600
            ),
            max_body_bytes=reader.integer("PORTAL_MAX_BODY_BYTES", cls.max_body_bytes, 1_024, 10_485_760),
            graphql_max_depth=reader.integer("PORTAL_GRAPHQL_MAX_DEPTH", cls.graphql_max_depth, 2, 50),
            graphql_max_aliases=reader.integer("PORTAL_GRAPHQL_MAX_ALIASES", cls.graphql_max_aliases, 1, 200),
            graphql_max_tokens=reader.integer("PORTAL_GRAPHQL_MAX_TOKENS", cls.graphql_max_tokens, 100, 50_000),
            graphql_max_cost=reader.integer("PORTAL_GRAPHQL_MAX_COST", cls.graphql_max_cost, 100, 1_000_000),
            graphql_timeout_seconds=reader.seconds(
                "PORTAL_GRAPHQL_TIMEOUT_SECONDS", cls.graphql_timeout_seconds, 0.1, 300
            ),
            graphql_compiled_plans=reader.choice("PORTAL_GRAPHQL_COMPILED_PLANS", "on", ("on", "off")) == "on",
            rate_limit_client_per_minute=reader.integer(
                "PORTAL_RATE_LIMIT_CLIENT_PER_MINUTE", cls.rate_limit_client_per_minute, 0, 1_000_000
            ),
            rate_limit_client_burst=reader.integer(
                "PORTAL_RATE_LIMIT_CLIENT_BURST", cls.rate_limit_client_burst, 1, 1_000_000
            ),
            rate_limit_subject_per_minute=reader.integer(
                "PORTAL_RATE_LIMIT_SUBJECT_PER_MINUTE", cls.rate_limit_subject_per_minute, 0, 1_000_000
            ),
            rate_limit_subject_burst=reader.integer(
                "PORTAL_RATE_LIMIT_SUBJECT_BURST", cls.rate_limit_subject_burst, 1, 1_000_000
            ),
            redis_url=reader.redis_url("PORTAL_REDIS_URL"),
            otlp_endpoint=(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
                           or None),
            redis_key_prefix=reader.key_prefix("PORTAL_REDIS_KEY_PREFIX", cls.redis_key_prefix),
            idempotency_ttl_seconds=reader.integer(
                "PORTAL_IDEMPOTENCY_TTL_SECONDS", cls.idempotency_ttl_seconds, 60, 604_800
            ),
            idempotency_wait_seconds=reader.seconds(
                "PORTAL_IDEMPOTENCY_WAIT_SECONDS", cls.idempotency_wait_seconds, 0, 120
            ),
            trusted_documents_dir=reader.directory("PORTAL_TRUSTED_DOCUMENTS_DIR"),
            introspection_clients=tuple(
                c.strip() for c in reader.text("PORTAL_INTROSPECTION_CLIENTS", "").split(",") if c.strip()
            ),
            log_level=reader.choice("PORTAL_LOG_LEVEL", cls.log_level, ("DEBUG", "INFO", "WARNING", "ERROR")),
            log_format=reader.choice("PORTAL_LOG_FORMAT", "json" if production else "text", ("json", "text")),
            metrics=reader.choice("PORTAL_METRICS", "token" if production else "public", ("public", "token", "off")),
            metrics_token=reader.secret("PORTAL_METRICS_TOKEN"),
            metrics_port=reader.integer("PORTAL_METRICS_PORT", 0, 0, 65_535) or None,
            smtp_url=reader.smtp_url("PORTAL_SMTP_URL"),
            mail_from=reader.text("PORTAL_MAIL_FROM", cls.mail_from),
            mail_dir=Path(reader.text("PORTAL_MAIL_DIR", str(cls.mail_dir))),
            outbox_max_attempts=reader.integer("PORTAL_OUTBOX_MAX_ATTEMPTS", cls.outbox_max_attempts, 1, 50),
            outbox_backoff_seconds=reader.integer("PORTAL_OUTBOX_BACKOFF_SECONDS", cls.outbox_backoff_seconds, 1, 3_600),
            outbox_backoff_max_seconds=reader.integer(
                "PORTAL_OUTBOX_BACKOFF_MAX_SECONDS", cls.outbox_backoff_max_seconds, 1, 86_400
            ),
            outbox_lease_seconds=reader.integer("PORTAL_OUTBOX_LEASE_SECONDS", cls.outbox_lease_seconds, 1, 86_400),
            outbox_batch_size=reader.integer("PORTAL_OUTBOX_BATCH_SIZE", cls.outbox_batch_size, 1, 1_000),
            outbox_concurrency=reader.integer("PORTAL_OUTBOX_CONCURRENCY", cls.outbox_concurrency, 1, 32),
            outbox_poll_seconds=reader.integer("PORTAL_OUTBOX_POLL_SECONDS", cls.outbox_poll_seconds, 1, 300),
            webhook_timeout_seconds=reader.seconds(
                "PORTAL_WEBHOOK_TIMEOUT_SECONDS", cls.webhook_timeout_seconds, 0.1, 120
            ),
            webhook_backoff_seconds=reader.seconds(
                "PORTAL_WEBHOOK_BACKOFF_SECONDS", cls.webhook_backoff_seconds, 0.01, 86_400
            ),
            webhook_backoff_max_seconds=reader.seconds(
                "PORTAL_WEBHOOK_BACKOFF_MAX_SECONDS", cls.webhook_backoff_max_seconds, 0.01, 604_800
            ),
            webhook_retry_window_seconds=reader.integer(
                "PORTAL_WEBHOOK_RETRY_WINDOW_SECONDS", cls.webhook_retry_window_seconds, 1, 2_592_000
            ),
            webhook_failure_threshold=reader.integer(
                "PORTAL_WEBHOOK_FAILURE_THRESHOLD", cls.webhook_failure_threshold, 1, 10_000
            ),
            webhook_concurrency=reader.integer("PORTAL_WEBHOOK_CONCURRENCY", cls.webhook_concurrency, 1, 128),
            invoice_switching_fee_jpy=reader.integer(
                "PORTAL_INVOICE_SWITCHING_FEE_JPY", cls.invoice_switching_fee_jpy, 0, 1_000_000
            ),
            invoice_monthly_fee_jpy=reader.integer(
                "PORTAL_INVOICE_MONTHLY_FEE_JPY", cls.invoice_monthly_fee_jpy, 0, 1_000_000
            ),
            card_countries=reader.countries("PORTAL_CARD_COUNTRIES", cls.card_countries),
            issuer_name=reader.text("PORTAL_ISSUER_NAME", cls.issuer_name),
            issuer_registration_number=reader.registration_number(
                "PORTAL_ISSUER_REGISTRATION_NUMBER", cls.issuer_registration_number or ""
            ),
            bank_name=reader.text("PORTAL_BANK_NAME", cls.bank_name),
            bank_branch=reader.text("PORTAL_BANK_BRANCH", cls.bank_branch),
            bank_account_type=reader.choice("PORTAL_BANK_ACCOUNT_TYPE", cls.bank_account_type, ACCOUNT_TYPES),
            bank_account_number=reader.account_number("PORTAL_BANK_ACCOUNT_NUMBER", cls.bank_account_number),
            bank_account_holder=reader.kana("PORTAL_BANK_ACCOUNT_HOLDER", cls.bank_account_holder),
            console_url=_console_url(reader),
            document_link_secret=reader.secret("PORTAL_DOCUMENT_LINK_SECRET"),
            clock=reader.day("PORTAL_CLOCK"),
        )
        if settings.webhook_backoff_max_seconds < settings.webhook_backoff_seconds:
            raise SettingsError("PORTAL_WEBHOOK_BACKOFF_MAX_SECONDS", "must not be less than PORTAL_WEBHOOK_BACKOFF_SECONDS")
        if settings.is_production and settings.clock is not None:
            raise SettingsError("PORTAL_CLOCK", "cannot be set in production: the service runs on the real date")
        if settings.is_production and not settings.issuer_set:
            raise SettingsError("PORTAL_ISSUER", "must be set in production: the service's public https:// URL")
        if settings.is_production and not settings.issuer.startswith("https://"):
            raise SettingsError("PORTAL_ISSUER", "must be an https:// URL in production")
        if settings.is_production:
            _require_own_values(reader)
        return settings


def local_issuer(host: str, port: int) -> str:
    """The development issuer of a server on ``host``:``port``: ``http://127.0.0.1:9300``
    (an any-address bind is reached on the loopback address; IPv6 in brackets)."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _console_url(reader: EnvReader) -> str | None:
    """``PORTAL_CONSOLE_URL`` ending in ``/`` (links are made relative to it); unset: None."""
    if reader.text("PORTAL_CONSOLE_URL", "") == "":
        return None
    return reader.url("PORTAL_CONSOLE_URL", "") + "/"


_PRINTED_ON_INVOICES = (
    ("PORTAL_ISSUER_NAME", Settings.issuer_name),
    ("PORTAL_ISSUER_REGISTRATION_NUMBER", Settings.issuer_registration_number),
    ("PORTAL_BANK_NAME", SAMPLE_BANK["PORTAL_BANK_NAME"]),
    ("PORTAL_BANK_BRANCH", SAMPLE_BANK["PORTAL_BANK_BRANCH"]),
    ("PORTAL_BANK_ACCOUNT_TYPE", None),  # ORDINARY is a real type too: it must only be chosen
    ("PORTAL_BANK_ACCOUNT_NUMBER", SAMPLE_BANK["PORTAL_BANK_ACCOUNT_NUMBER"]),
    ("PORTAL_BANK_ACCOUNT_HOLDER", SAMPLE_BANK["PORTAL_BANK_ACCOUNT_HOLDER"]),
)
"""The settings every invoice document prints, with their development samples."""


def _require_own_values(reader: EnvReader) -> None:
    """Production never issues a document naming the sample issuer or the sample
    bank: a customer would file it, or transfer money to it. The first variable
    left unset or at its sample stops start-up."""
    for variable, sample in _PRINTED_ON_INVOICES:
        reader.own_value(variable, sample)
