"""The whole suite's log audit: no secret, token, password or card token is ever logged.

A pytest plugin (registered in ``tests/conftest.py``). During the session, every record the
service's loggers emit (``AUDITED``: ours at DEBUG, the libraries we run on at the level they
log at in production) is written as the JSON line ``api.logs``'s JSON formatter would write,
to ``records-<worker>.jsonl`` in one run directory (made by the controller, handed to the
xdist workers in ``LOG_AUDIT_DIR``). What ``portal`` subprocesses write (``serve.log``, a
worker's stderr) is added with ``collect(path)`` / ``collect_output(text)``
(``tests/support/server.py`` does it for the servers it starts).

At the end (on the controller, after every worker has finished) every file is scanned for
``PATTERNS`` (secrets wherever they appear: JWTs, webhook secrets, card tokens, Authorization
header values, private keys, secret hashes, credential fields) and for every secret the suite
used: ``secret(value)`` registers one, and the generators and checkers of secrets in the
service (client secrets, codes and refresh tokens, webhook secrets, passwords, the settings'
secrets and signing keys) register theirs as they are called in the test process. A finding
fails the run (exit status 1) and is printed with its kind, logger, test and a redacted
excerpt. ``LOG_AUDIT=off`` (or ``-p no:tests.support.log_audit``) turns the audit off;
``LOG_AUDIT_SQL=debug`` puts Tortoise's statement log at DEBUG for the whole session (its
records are audited anyway in the tests that turn it on: the statement counts, test_logs.py).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ENV_DIR = "LOG_AUDIT_DIR"
MIN_SECRET_LENGTH = 8
"""Shorter registered values are ignored: they would match ordinary words."""

OWN_LOGGERS = ("portal", "api", "billing", "schema", "notifications", "models", "kit")
"""Captured at DEBUG."""
LIBRARY_LEVELS = {
    "uvicorn": logging.INFO, "tortoise": logging.INFO, "tortoise.db_client": logging.INFO,
    "aiosqlite": logging.INFO, "asyncpg": logging.INFO, "httpx": logging.INFO, "aiosmtplib": logging.INFO,
    "strawberry": logging.INFO, "starlette": logging.INFO, "redis": logging.INFO, "opentelemetry": logging.INFO,
}
"""The libraries the service runs on, at the level production logs them (``PORTAL_LOG_LEVEL=INFO``).
``authlib`` is audited at the level ``api.logs.guard_secret_loggers`` keeps it at (INFO). Every
SQL statement at DEBUG would cost little, but a test that counts statements in ``caplog`` without
clearing it first (tests/schema/viewer/test_memberships.py) would count the ones before too."""
AUDITED = (*OWN_LOGGERS, *LIBRARY_LEVELS, "authlib")

PATTERNS: dict[str, re.Pattern[str]] = {  # each starts with a literal: a scan of the whole log is fast
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
    "webhook secret": re.compile(r"whsec_[A-Za-z0-9+/=_-]{16,}"),
    "card token": re.compile(r"(?<!\w)tok_[A-Za-z0-9_]{3,}"),
    "Authorization header value": re.compile(r"B(?:earer|asic)\s+(?=[A-Za-z.~]*[0-9_+/=-])[A-Za-z0-9._~+/=-]{8,}"),
    "private key": re.compile(r"PRIVATE KEY-----"),
    "private key (JWK)": re.compile(r"(?<=['\"])(?:dp|dq|qi|d|p|q)\\?['\"]\s*:\s*\\?['\"][A-Za-z0-9_-]{40,}"),
    "secret hash": re.compile(r"\$argon2(?:id|i|d)\$|scrypt\$\d+\$\d+\$\d+\$"),
    "credential field": re.compile(
        r"(?:[Cc]lient_secret|[Pp]assword|PASSWORD|[Rr]efresh_token|code_verifier|[Aa]ccess_token)\\?['\"]?\s*[=:]\s*"
        r"\\?['\"]?(?!\[redacted\])(?=[^\s'\"&,}\\]*[0-9_+/=-])[^\s'\"&,}\\]{6,}"
    ),
}

_MARK = "# log-audit "
"""Lines the plugin writes itself: which test the following lines belong to."""


# --- the registry of secrets, and what subprocesses wrote ---------------------------------------


@dataclass
class _Run:
    directory: Path
    worker: str
    records: logging.Handler | None = None
    secrets: dict[str, str] = field(default_factory=dict)
    pending: dict[Path, tuple[Path, int]] = field(default_factory=dict)
    """Subprocess logs (their path): their copy in the run directory and the size copied."""
    test: str = "(no test)"
    copies: int = 0


_run: _Run | None = None


def secret(value: Any, kind: str = "registered secret") -> None:
    """Audit ``value``: it must appear in no log line of the session."""
    if _run is None or not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH:
        return
    _run.secrets.setdefault(value, kind)


def registered(value: str) -> bool:
    """``value`` is one of the secrets this process has registered."""
    return _run is not None and value in _run.secrets


def collect(path: Path, source: str) -> None:
    """Audit what a subprocess writes to ``path``: copied at the end of the current test
    (when its fixtures have stopped the process) and again at the end of the session."""
    if _run is not None:
        _run.pending[Path(path)] = (_run.directory / f"proc-{_run.worker}-{_next(_run)}-{_slug(source)}.log", -1)


def collect_output(text: str | bytes | None, source: str) -> None:
    """Audit the output (stderr) a subprocess already wrote."""
    if _run is None or not text:
        return
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    target = _run.directory / f"proc-{_run.worker}-{_next(_run)}-{_slug(source)}.log"
    target.write_text(f"{_MARK}test={_run.test} source={source}\n{text}", encoding="utf-8")


def harvest(output: str) -> None:
    """Register the credentials a ``portal`` command printed (``clients create``, ``token``)."""
    for match in re.finditer(r'"(?:client_secret|refresh_token|access_token|password)":\s*"([^"]+)"', output):
        secret(match.group(1), "printed credential")


def secrets_of_env(env: dict[str, str]) -> None:
    """Register the secret settings of a subprocess's environment."""
    for name, value in env.items():
        if name.startswith("PORTAL_") and re.search("SECRET|TOKEN|PASSWORD", name) and not value.isdigit():
            secret(value, name)
        elif name.startswith("PORTAL_") and "://" in value:
            secret(urlsplit(value).password, f"password in {name}")


def _next(run: _Run) -> str:
    run.copies += 1
    return f"{run.copies:04d}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:40] or "output"


def _copy_pending(final: bool) -> None:
    assert _run is not None
    for source, (target, copied) in list(_run.pending.items()):
        try:
            if source.stat().st_size != copied:  # new lines since the last copy (a server still running)
                content = source.read_bytes()
                target.write_bytes(f"{_MARK}test={_run.test} source={source}\n".encode() + content)
                _run.pending[source] = (target, len(content))
        except FileNotFoundError:
            pass
        if final:
            del _run.pending[source]


# --- capturing records ------------------------------------------------------------------------------


class _RecordFile(logging.Handler):
    """Every audited record, as ``api.logs``'s JSON formatter writes it, one per line."""

    def __init__(self, path: Path) -> None:
        from api.logs import RequestIdFilter, formatter

        super().__init__(logging.DEBUG)
        self.path = path
        self.file = path.open("a", encoding="utf-8")
        self.addFilter(lambda record: record.name.partition(".")[0] in _AUDITED_ROOTS)
        self.addFilter(RequestIdFilter())
        self.setFormatter(formatter("json"))
        self.test = ""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # a record that cannot be formatted: audit what it holds
            line = json.dumps({"logger": record.name, "message": f"{record.msg!r} {record.args!r}"})
        try:
            test = _run.test if _run is not None else "(after the session)"
            if self.test != test:
                self.test = test
                self.file.write(f"{_MARK}test={test}\n")
            self.file.write(line.replace("\n", "\\n") + "\n")
        except ValueError:  # closed: a thread logging after the session ended
            self.handleError(record)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            if not self.file.closed:
                self.file.flush()

    def close(self) -> None:
        """Kept open when ``logging.config.dictConfig`` closes every handler (uvicorn run in a
        test's thread does): ``finish`` closes the file at the end of the session."""

    def finish(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self.file.close()
        super().close()


_AUDITED_ROOTS = {name.partition(".")[0] for name in AUDITED}


def _set_levels(sql_level: int) -> dict[str, int]:
    saved = {}
    levels = {**dict.fromkeys(OWN_LOGGERS, logging.DEBUG), **LIBRARY_LEVELS, "tortoise.db_client": sql_level}
    for name, level in levels.items():
        logger = logging.getLogger(name)
        saved[name] = logger.level
        logger.setLevel(level)
    return saved


# --- registering the secrets the service makes and checks (in the test process) ------------------


def _tap_functions() -> Iterator[tuple[Any, str, Any]]:
    """Wrap the service's secret makers and checkers so that every secret they see is
    registered; yields (owner, name, original) to restore."""
    from api.oauth import grant_store
    from api.oauth import secrets as client_secrets
    from api.services import Services
    from api.signin.passwords import Passwords
    from billing.webhooks import signing

    def made(kind: str) -> Callable[[Callable[..., str]], Callable[..., str]]:
        def wrap(original: Callable[..., str]) -> Callable[..., str]:
            @functools.wraps(original)
            def tapped(*args: Any, **kwargs: Any) -> str:
                value = original(*args, **kwargs)
                secret(value, kind)
                if value.startswith("whsec_"):
                    secret(value.removeprefix("whsec_"), kind)
                return value
            return tapped
        return wrap

    def seen(kind: str, position: int = 0) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(original)
            def tapped(*args: Any, **kwargs: Any) -> Any:
                if len(args) > position:
                    secret(args[position], kind)
                return original(*args, **kwargs)
            return tapped
        return wrap

    functions = [
        (client_secrets, "new_client_secret", made("client secret")),
        (client_secrets, "verify_secret", seen("presented client secret")),
        (grant_store, "digest", seen("authorization code or refresh token")),
        (signing, "new_secret", made("webhook secret")),
    ]
    for module, name, wrap in functions:
        original = getattr(module, name)
        tapped = wrap(original)
        for holder in _project_modules():
            for attribute, value in list(vars(holder).items()):
                if value is original:
                    setattr(holder, attribute, tapped)
                    yield holder, attribute, original
    for name, kind, position in (("hash", "password", 1), ("verify", "presented password", 1)):
        original = getattr(Passwords, name)
        setattr(Passwords, name, seen(kind, position)(original))
        yield Passwords, name, original

    build = Services.__dict__["build"]

    def tapped_build(cls: type, settings: Any, *args: Any, **kwargs: Any) -> Any:
        _register_settings(settings, *args)
        return build.__func__(cls, settings, *args, **kwargs)

    Services.build = classmethod(tapped_build)  # type: ignore[method-assign,assignment]
    yield Services, "build", build


def _project_modules() -> Iterable[Any]:
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] in PACKAGES and module is not None:
            yield module


PACKAGES = ("api", "billing", "schema", "notifications", "models", "kit")


def _register_settings(settings: Any, *keys: Any) -> None:
    for name, value in dict(getattr(settings, "__dict__", {})).items():
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        if value is None or isinstance(value, bool | int | float):
            continue
        text = str(value)
        if re.search("secret|token|password", name):
            secret(text, f"setting {name}")
        elif "://" in text:
            secret(urlsplit(text).password, f"password in setting {name}")
    for key in keys:
        key = getattr(key, "active", key)
        jwk = getattr(key, "key", None)
        if jwk is not None and hasattr(jwk, "as_dict"):
            for part, value in jwk.as_dict(private=True).items():
                if part in {"d", "p", "q", "dp", "dq", "qi"}:
                    secret(value, "signing key (private part)")


# --- the scan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    kind: str
    file: str
    line: int
    logger: str
    test: str
    excerpt: str


@dataclass
class Audit:
    findings: list[Finding] = field(default_factory=list)
    records: int = 0
    files: int = 0
    secrets: int = 0
    seconds: float = 0.0


_TEXT_LINE = re.compile(r"^\S+ \S+ (?:DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+) \[")
_WORD = re.compile(r"[A-Za-z0-9_-]+")


def scan(directory: Path, secrets: dict[str, str] | None = None) -> Audit:
    """Every file of ``directory`` against ``PATTERNS`` and every secret (``secrets``, plus
    those the processes of the run saved in ``secrets-*.json``)."""
    known = dict(secrets or {})
    for saved in sorted(directory.glob("secrets-*.json")):
        known.update(json.loads(saved.read_text(encoding="utf-8")))
    known = {value: kind for value, kind in known.items() if len(value) >= MIN_SECRET_LENGTH}
    words: dict[int, dict[str, str]] = {}  # token-like secrets by length, looked up in each long word
    others: dict[str, str] = {}  # the rest (passwords with spaces...), searched as they are and JSON-escaped
    for value, kind in known.items():
        if _WORD.fullmatch(value):
            words.setdefault(len(value), {})[value] = kind
        else:
            others[value] = kind
            others.setdefault(json.dumps(value)[1:-1], kind)
    audit = Audit(secrets=len(known))
    for path in sorted(directory.iterdir()):
        if path.name.startswith("secrets-") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        audit.files += 1
        audit.records += text.count("\n") - text.count(_MARK)
        for kind, where in _matches(text, words, others):
            audit.findings.append(_finding(kind, path.name, text, where))
    return audit


def _matches(text: str, words: dict[int, dict[str, str]], others: dict[str, str]) -> Iterator[tuple[str, tuple[int, int]]]:
    for kind, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            yield kind, match.span()
    if words:
        shortest = min(words)
        for word in re.finditer(f"[A-Za-z0-9_-]{{{shortest},}}", text):
            run = word.group()
            for length, values in words.items():
                for start in range(len(run) - length + 1):
                    kind = values.get(run[start:start + length])
                    if kind is not None:
                        yield kind, (word.start() + start, word.start() + start + length)
    for value, kind in others.items():
        at = text.find(value)
        while at >= 0:
            yield kind, (at, at + len(value))
            at = text.find(value, at + 1)


def _finding(kind: str, file: str, text: str, where: tuple[int, int]) -> Finding:
    """Where a match is: its line (a JSON record or a line of text), logger and test."""
    start = text.rfind("\n", 0, where[0]) + 1
    end = text.find("\n", where[0])
    line = text[start:end if end >= 0 else len(text)]
    mark = text.rfind(_MARK, 0, start)
    test = "(no test)"
    if mark >= 0:
        test = text[mark + len(_MARK):text.find("\n", mark)].split(" source=")[0].removeprefix("test=")
    logger = f"output of {file}"
    if line.startswith("{"):
        try:
            logger = str(json.loads(line).get("logger", "?"))
        except (ValueError, AttributeError):
            pass
    elif text_line := _TEXT_LINE.match(line):
        logger = text_line.group(1)
    return Finding(kind, file, text.count("\n", 0, start) + 1, logger, test,
                   _excerpt(line, (where[0] - start, where[1] - start)))


def _excerpt(text: str, where: tuple[int, int]) -> str:
    start, end = where
    while end < len(text) and not text[end].isspace() and text[end] not in "'\",;":
        end += 1  # the rest of the word too (a hash after its prefix)
    hidden = f"{text[start:start + 4]}…[{end - start} chars]"
    return (text[max(0, start - 80):start] + hidden + text[end:end + 80]).replace("\n", " ")


def report(audit: Audit) -> list[str]:
    """What the terminal shows: one line when clean, every finding otherwise."""
    if not audit.findings:
        return [f"log audit: {audit.records} log lines in {audit.files} files checked against "
                f"{len(PATTERNS)} patterns and {audit.secrets} secrets the suite used: no secret logged "
                f"(scanned in {audit.seconds:.1f} s)"]
    lines = [f"LOG AUDIT FAILED: {len(audit.findings)} secret(s) in the logs "
             f"({audit.records} lines in {audit.files} files checked)"]
    for finding in audit.findings[:50]:
        lines.append(f"  {finding.kind} in a {finding.logger} line ({finding.file}:{finding.line}, test {finding.test}):")
        lines.append(f"    {finding.excerpt}")
    if len(audit.findings) > 50:
        lines.append(f"  ... and {len(audit.findings) - 50} more")
    return lines


# --- the hooks ----------------------------------------------------------------------------------


_restore: list[tuple[Any, str, Any]] = []
_saved_levels: dict[str, int] = {}


def pytest_configure(config: pytest.Config) -> None:
    global _run
    if os.environ.get("LOG_AUDIT", "on") == "off":
        return
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        directory = Path(tempfile.mkdtemp(prefix="portal-log-audit-"))
        os.environ[ENV_DIR] = str(directory)  # the xdist workers, started after this, inherit it
        config.stash[_controller] = directory
        worker = "main"
    else:
        directory, worker = Path(os.environ[ENV_DIR]), workerinput["workerid"]
    _run = _Run(directory, worker)
    if workerinput is None and getattr(config.option, "dist", "no") != "no":
        return  # the xdist controller runs no test
    # Every `portal` process installs the guard first (``configure_logging``); an app made by a
    # test only when its middleware is built, on its first request: install it as production does.
    from api.logs import guard_secret_loggers

    guard_secret_loggers()
    sql_level = logging.DEBUG if os.environ.get("LOG_AUDIT_SQL") == "debug" else logging.INFO
    _saved_levels.update(_set_levels(sql_level))
    _run.records = _RecordFile(directory / f"records-{worker}.jsonl")
    logging.getLogger().addHandler(_run.records)
    _restore.extend(_tap_functions())
    from api.demo import DEMO_PASSWORD

    secret(DEMO_PASSWORD, "demo password")


_controller = pytest.StashKey[Path]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _run is not None:
        _run.test = item.nodeid
        root = logging.getLogger()
        if _run.records is not None and _run.records not in root.handlers:
            root.addHandler(_run.records)  # a test replaced the root's handlers (``configure_logging``)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    yield
    if _run is not None:
        _copy_pending(final=False)
        if _run.records is not None:
            _run.records.flush()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    global _run
    if _run is None:
        return
    run = _run
    _copy_pending(final=True)
    if run.records is not None:
        logging.getLogger().removeHandler(run.records)
        run.records.finish()
    for holder, name, original in reversed(_restore):
        setattr(holder, name, original)
    _restore.clear()
    for name, level in _saved_levels.items():
        logging.getLogger(name).setLevel(level)
    (run.directory / f"secrets-{run.worker}.json").write_text(json.dumps(run.secrets), encoding="utf-8")
    _run = None
    directory = session.config.stash.get(_controller, None)
    if directory is None:
        return  # an xdist worker: the controller scans
    started = time.perf_counter()
    audit = scan(directory)
    audit.seconds = time.perf_counter() - started
    session.config.stash[_result] = audit
    if audit.findings:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        keep = f"the logs are kept in {directory}"
        session.config.stash[_kept] = keep
    else:
        shutil.rmtree(directory, ignore_errors=True)
    os.environ.pop(ENV_DIR, None)


_result = pytest.StashKey[Audit]()
_kept = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    audit = config.stash.get(_result, None)
    if audit is None:
        return
    if audit.findings:
        terminalreporter.write_sep("=", "LOG AUDIT: A SECRET WAS LOGGED", red=True, bold=True)
        for line in report(audit):
            terminalreporter.write_line(line, red=True, bold=True)
        terminalreporter.write_line(config.stash.get(_kept, ""), red=True)
    else:
        terminalreporter.write_line(report(audit)[0])
