"""The ``portal`` command: run, migrate and administer the service.

Every subcommand reads the same ``PORTAL_*`` settings as the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tortoise.context import TortoiseContext

from api.oauth.key_commands import add_key_commands
from api.settings import Settings, SettingsError
from api.settings_commands import add_settings_command
from billing.errors import BusinessError
from models.accounts import Role
from models.config import ensure_sqlite_directory, tortoise_config

SCHEMA_FILE = Path("schema.graphql")


class CommandError(Exception):
    """A command could not do what was asked; the message says why."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        return int(args.handler(settings, args) or 0)
    except SettingsError as exc:
        print(f"portal: configuration error: {exc}", file=sys.stderr)
        return 2
    except (CommandError, BusinessError, ValueError) as exc:
        print(f"portal: {exc}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description="Billing self-service portal backend.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("migrate", help="apply database migrations").set_defaults(handler=cmd_migrate)

    serve = sub.add_parser("serve", help="serve the API over HTTP")
    serve.add_argument("--host", help="interface to bind (default: PORTAL_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default: PORTAL_PORT or 8000)")
    serve.set_defaults(handler=cmd_serve)

    sub.add_parser("demo", help="create demo data (safe to run again)").set_defaults(handler=cmd_demo)
    sub.add_parser("schema", help="write the GraphQL SDL to schema.graphql").set_defaults(handler=cmd_schema)
    sub.add_parser(
        "documents", help="check the trusted documents and list them, one JSON object per line (id, file, operations)"
    ).set_defaults(handler=cmd_documents)

    accounts = sub.add_parser("accounts", help="manage accounts").add_subparsers(dest="action", required=True)
    create = accounts.add_parser("create", help="create an account with its owner; prints the account id")
    create.add_argument("--name", required=True, help="the organisation's name")
    create.add_argument("--owner", required=True, help="OAuth subject of the owner")
    create.add_argument("--owner-email", help="where the service writes to the owner about the account")
    create.set_defaults(handler=cmd_accounts_create)

    members = sub.add_parser("members", help="manage members").add_subparsers(dest="action", required=True)
    add = members.add_parser("add", help="add a member to an account (or change their role)")
    add.add_argument("--account", required=True, type=_account_id, help="account id (as printed by accounts create)")
    add.add_argument("--subject", required=True, help="OAuth subject")
    add.add_argument("--role", required=True, choices=[r.value for r in Role], help="member role")
    add.add_argument("--email", help="the member's email (owners are told when billing is held)")
    add.set_defaults(handler=cmd_members_add)

    clients = sub.add_parser("clients", help="manage OAuth clients").add_subparsers(dest="action", required=True)
    client = clients.add_parser(
        "create",
        help="register a client; prints it as JSON (a partner's id and secret, or a public client's id)",
        description="A partner (confidential) client: --account, --name, --scope; it gets a secret. "
        "A public client (browser or native app signing people in): --public, --name, --redirect-uri "
        "(repeatable), optional --scope; no secret, no account.",
    )
    client.add_argument("--account", type=_account_id, help="account a partner client belongs to (its id)")
    client.add_argument("--name", required=True, help="a name to recognise the client by")
    client.add_argument("--scope", help='allowed scopes, space-separated, e.g. "invoices:read" '
                        "(public clients default to all customer scopes)")
    client.add_argument("--public", action="store_true", help="a public client: authorization code + PKCE, no secret")
    client.add_argument(
        "--redirect-uri", action="append", default=[], dest="redirect_uris",
        help="a redirect URI of a public client (exact match): https://…, http://127.0.0.1:PORT/…, "
        "http://[::1]:PORT/… or com.example.app:/callback",
    )
    client.set_defaults(handler=cmd_clients_create)
    _add_client_management_commands(clients)

    users = sub.add_parser("users", help="manage people who sign in on the sign-in page").add_subparsers(
        dest="action", required=True
    )
    user = users.add_parser("create", help="create a local user; prints it as JSON (never the password)")
    user.add_argument("--subject", required=True, help="the user's subject (the sub of their tokens; as members name them)")
    user.add_argument("--email", required=True, help="the user's email (they may sign in with it)")
    user.add_argument(
        "--password", help="the password (at least 12 characters); else read from standard input when it is not a "
        "terminal, else asked for twice",
    )
    user.set_defaults(handler=cmd_users_create)

    token = sub.add_parser("token", help="print an access token from the embedded issuer")
    token.add_argument("--subject", required=True, help="member subject (or a staff name with --scope admin)")
    token.add_argument("--scope", required=True, help='space-separated scopes, e.g. "billing:read billing:write"')
    token.set_defaults(handler=cmd_token)
    _add_notification_commands(sub)
    _add_billing_commands(sub)
    _add_usage_commands(sub)
    add_key_commands(sub)
    add_settings_command(sub)
    return parser


def _account_id(text: str) -> uuid.UUID:
    """An account id as the API and ``accounts create`` print it (a global id); a bare
    UUID is accepted too."""
    from schema.ids import parse_account_id

    account_id = parse_account_id(text)
    if account_id is None:
        raise argparse.ArgumentTypeError(f"not an account id: {text!r}")
    return account_id


def _global_id(type_name: str, key: object) -> str:
    from schema.ids import global_id

    return global_id(type_name, key)


def with_database(settings: Settings, action: Callable[[], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        ensure_sqlite_directory(settings.database_url)
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(settings.database_url))
            return await action()

    return asyncio.run(run())


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    from tortoise.migrations.api import migrate

    ensure_sqlite_directory(settings.database_url)

    async def run() -> None:
        async with TortoiseContext():
            await migrate(config=tortoise_config(settings.database_url))

    asyncio.run(run())
    print("migrations applied", file=sys.stderr)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    from api.app import create_app
    from api.logs import configure_logging
    from api.services import Services
    from api.serving import serve

    configure_logging(settings.log_level, settings.log_format)
    settings = settings.listening_on(args.host or settings.host, args.port or settings.port)
    serve(create_app(Services.build(settings)), settings)  # drains on SIGTERM: docs/operations.md


def cmd_demo(settings: Settings, args: argparse.Namespace) -> None:
    from api.demo import load_demo_data
    from api.services import Services

    services = Services.build(settings)
    for line in with_database(settings, lambda: load_demo_data(services)):
        print(line)


def cmd_schema(settings: Settings, args: argparse.Namespace) -> None:
    from schema import build_schema

    SCHEMA_FILE.write_text(build_schema().as_str() + "\n")
    print(f"wrote {SCHEMA_FILE}", file=sys.stderr)


def cmd_documents(settings: Settings, args: argparse.Namespace) -> None:
    """The ids clients send as ``documentId``; building the schema checks every
    document against it first (a broken one fails, naming its file)."""
    from graphql import OperationDefinitionNode, parse

    from schema import build_schema
    from schema.trusted import TrustedDocuments

    trusted = TrustedDocuments.load(settings.trusted_documents_dir)
    schema = build_schema(trusted=trusted, compiled_plans=settings.graphql_compiled_plans)
    compiled = {entry[1].name for entry in schema.execution_context_class.compiled.values()}
    for document in trusted.documents:
        operations = [
            {"name": node.name.value if node.name else None, "type": node.operation.value,
             "compiled": node.name is not None and node.name.value in compiled}
            for node in parse(document.text).definitions if isinstance(node, OperationDefinitionNode)
        ]
        print(json.dumps({"id": document.id, "file": document.source, "operations": operations}))


def cmd_accounts_create(settings: Settings, args: argparse.Namespace) -> None:
    from billing.accounts import create_account

    account = with_database(settings, lambda: create_account(args.name, args.owner, owner_email=args.owner_email))
    print(_global_id("Account", account.id))


def cmd_members_add(settings: Settings, args: argparse.Namespace) -> None:
    from billing.accounts import add_member

    member = with_database(settings, lambda: add_member(args.account, args.subject, Role(args.role), email=args.email))
    print(f"{member.subject} is {member.role.value} of {_global_id('Account', args.account)}", file=sys.stderr)


def cmd_clients_create(settings: Settings, args: argparse.Namespace) -> None:
    from api.oauth.store import CUSTOMER_SCOPES, create_client, create_public_client
    from models.accounts import Account

    if args.public:
        if args.account is not None:
            raise CommandError("a public client belongs to no account: leave out --account")
        scopes = args.scope.split() if args.scope else list(CUSTOMER_SCOPES)
        created = with_database(settings, lambda: create_public_client(
            args.name, args.redirect_uris, scopes, development=settings.env == "development", issuer=settings.issuer
        ))
        print(json.dumps({
            "client_id": created.client_id, "client_type": "public", "token_endpoint_auth_method": "none",
            "redirect_uris": created.redirect_uris, "scope": created.scopes,
        }))
        return
    if args.account is None or not args.scope or args.redirect_uris:
        raise CommandError("a partner client needs --account and --scope (and no --redirect-uri; see --public)")

    async def run() -> tuple[str, str]:
        if not await Account.exists(id=args.account):
            raise CommandError(f"no account {args.account}")
        return await create_client(args.account, args.name, args.scope.split(), created_by="portal-cli")

    client_id, secret = with_database(settings, run)
    print(json.dumps({"client_id": client_id, "client_secret": secret}))


def _add_client_management_commands(clients: Any) -> None:
    listing = clients.add_parser(
        "list", help="every client (public ones too), oldest first, one JSON object per line; never a secret"
    )
    listing.add_argument("--account", type=_account_id, help="only the clients of this account (its id)")
    listing.set_defaults(handler=cmd_clients_list)
    rotate = clients.add_parser(
        "rotate-secret",
        help="give a partner client a new secret, printed once as JSON; the old secret stops working and the "
        "tokens already issued to the client are revoked",
    )
    rotate.add_argument("client_id", metavar="CLIENT_ID", help="the client's id (cli_…)")
    rotate.set_defaults(handler=cmd_clients_rotate_secret)
    disable = clients.add_parser(
        "disable", help="disable a client for good and revoke its access and refresh tokens; prints it as JSON"
    )
    disable.add_argument("client_id", metavar="CLIENT_ID", help="the client's id")
    disable.set_defaults(handler=cmd_clients_disable)


def _client_json(row: Any) -> str:
    def instant(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return json.dumps({
        "client_id": row.client_id, "name": row.name,
        "account": _global_id("Account", row.account_id) if row.account_id else None,
        "public": row.is_public, "scopes": row.scope_list, "created_by": row.created_by,
        "created_at": instant(row.created_at), "last_used_at": instant(row.last_used_at),
        "secret_rotated_at": instant(row.secret_rotated_at), "disabled_at": instant(row.disabled_at),
    }, ensure_ascii=False)


def _on_client(settings: Settings, client_id: str, action: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run a client use case as the operator; an unknown id is a ``CommandError`` naming it."""
    from billing.access.caller import Caller
    from billing.errors import ErrorCode

    try:
        return with_database(settings, lambda: action(Caller.operator()))
    except BusinessError as exc:
        if exc.errors[0].code is ErrorCode.NOT_FOUND:
            raise CommandError(f"no client {client_id!r} (see 'portal clients list')") from None
        raise


def cmd_clients_list(settings: Settings, args: argparse.Namespace) -> None:
    from billing.access.caller import Caller
    from billing.partner_clients import all_clients_query
    from models.accounts import Account

    async def run() -> list[Any]:
        if args.account is not None and not await Account.exists(id=args.account):
            raise CommandError(f"no account {_global_id('Account', args.account)}")
        return list(await all_clients_query(Caller.operator(), args.account))

    for row in with_database(settings, run):
        print(_client_json(row))


def cmd_clients_rotate_secret(settings: Settings, args: argparse.Namespace) -> None:
    from api.oauth.client_auth import SecretVerifier
    from api.oauth.credentials import PooledClientCredentials
    from billing.partner_clients import rotate_client_secret

    credentials = PooledClientCredentials(SecretVerifier(1))
    issued = _on_client(
        settings, args.client_id,
        lambda operator: rotate_client_secret(operator, credentials, args.client_id, public_too=True),
    )
    print(json.dumps({"client_id": issued.client.client_id, "client_secret": issued.secret}))


def cmd_clients_disable(settings: Settings, args: argparse.Namespace) -> None:
    from billing.partner_clients import disable_client

    row = _on_client(
        settings, args.client_id, lambda operator: disable_client(operator, args.client_id, public_too=True)
    )
    print(_client_json(row))
    print(f"client {row.client_id} is disabled; its tokens are revoked", file=sys.stderr)


def cmd_users_create(settings: Settings, args: argparse.Namespace) -> None:
    from api.signin.passwords import Passwords
    from api.signin.users import create_user

    password = args.password if args.password is not None else _read_password()
    user = with_database(settings, lambda: create_user(args.subject, args.email, password, Passwords(1)))
    print(json.dumps(user.as_json(), ensure_ascii=False))


def _read_password() -> str:
    """The password from standard input (one line) when piped, else asked for twice."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Same password again: ") != first:
        raise CommandError("the two passwords differ")
    return first


def cmd_token(settings: Settings, args: argparse.Namespace) -> None:
    from api.oauth.tokens import TokenRequestError, mint_access_token
    from api.services import Services

    services = Services.build(settings)
    try:
        token = with_database(
            settings, lambda: mint_access_token(services.authorization_server, args.subject, args.scope.split())
        )
    except TokenRequestError as exc:
        raise CommandError(str(exc)) from None
    print(token)



def _add_notification_commands(sub: Any) -> None:
    worker = sub.add_parser("worker", help="deliver queued emails until stopped (mail sink if no PORTAL_SMTP_URL)")
    worker.add_argument("--once", action="store_true", help="render pending invoice documents and deliver the emails and webhooks due now, then exit (cron, tests)")
    worker.set_defaults(handler=cmd_worker)
    sink = sub.add_parser("mailsink", help="run the development SMTP sink (writes .eml files to PORTAL_MAIL_DIR)")
    sink.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    sink.add_argument("--port", type=int, default=8025, help="port to bind (default 8025)")
    sink.set_defaults(handler=cmd_mailsink)
    outbox = sub.add_parser("outbox", help="inspect and re-queue emails").add_subparsers(dest="action", required=True)
    listing = outbox.add_parser("list", help="recent messages, newest first, one JSON object per line")
    listing.add_argument("--status", choices=["PENDING", "SENT", "FAILED"], help="only messages with this status")
    listing.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    listing.set_defaults(handler=cmd_outbox_list)
    requeue = outbox.add_parser("requeue", help="send a FAILED message again")
    requeue.add_argument("id", type=uuid.UUID, help="the message id (its Message-ID without the domain)")
    requeue.set_defaults(handler=cmd_outbox_requeue)


def cmd_worker(settings: Settings, args: argparse.Namespace) -> None:
    from api.logs import configure_logging
    from api.metrics import Metrics
    from api.worker import NoSmtpServer, run_worker, webhook_deliverer
    from notifications.single_worker import WorkerAlreadyRunning

    configure_logging(settings.log_level, settings.log_format)
    metrics = Metrics.with_database()  # served on PORTAL_METRICS_PORT, if set
    daily, documents = _companions(settings, metrics)
    webhooks = webhook_deliverer(settings, metrics)

    async def work() -> int:
        if args.once:  # the documents of invoices issued since, before the emails that announce them
            await documents.drain()
            await webhooks.drain()  # before the mail: an endpoint it disables emails its owners
        return await run_worker(
            settings, once=args.once, companions=[daily.run, documents.run, webhooks.run], metrics=metrics
        )

    try:
        attempts = with_database(settings, work)
    except (WorkerAlreadyRunning, NoSmtpServer) as exc:
        raise CommandError(str(exc)) from None
    if args.once:
        print(f"{attempts} delivery attempt(s) made", file=sys.stderr)


def _companions(settings: Settings, metrics: Any = None) -> tuple[Any, Any]:
    """The worker's companions: the daily billing run and the rendering of documents."""
    from api.services import Services
    from billing.documents.renderer import DocumentRenderer
    from billing.invoicing.daily import DailyBilling

    services = Services.build(settings)
    daily = DailyBilling(
        services.billing_policy, services.payment_gateway, clock=services.clock,
        on_report=None if metrics is None else metrics.billing_run,
    )
    return daily, DocumentRenderer(services.billing_policy, poll_seconds=settings.outbox_poll_seconds)


def cmd_mailsink(settings: Settings, args: argparse.Namespace) -> None:
    from api.worker import run_sink

    asyncio.run(run_sink(settings, args.host, args.port))


def cmd_outbox_list(settings: Settings, args: argparse.Namespace) -> None:
    from models.outbox import OutboxStatus
    from notifications.outbox import list_messages

    status = OutboxStatus(args.status) if args.status else None
    for row in with_database(settings, lambda: list_messages(status, limit=args.limit)):
        print(json.dumps({
            "id": str(row.id), "kind": row.kind, "status": row.status.value, "attempts": row.attempts,
            "to": row.to_addresses, "cc": row.cc_addresses, "last_error": row.last_error,
            "created_at": row.created_at.isoformat(), "sent_at": row.sent_at and row.sent_at.isoformat(),
        }, ensure_ascii=False))


def cmd_outbox_requeue(settings: Settings, args: argparse.Namespace) -> None:
    from billing.access.caller import Caller
    from billing.customer_mail import requeue_email

    row = with_database(settings, lambda: requeue_email(Caller.operator(), str(args.id)))
    print(f"message {row.id} is PENDING again", file=sys.stderr)



def _add_billing_commands(sub: Any) -> None:
    billing = sub.add_parser("billing", help="invoicing").add_subparsers(dest="action", required=True)
    run = billing.add_parser("run", help="issue everything due on a day (safe to repeat); prints a JSON report")
    run.add_argument(
        "--as-of", type=_iso_date,
        help="the billing date, YYYY-MM-DD (default: today by the service's clock; another day only in development)",
    )
    run.set_defaults(handler=cmd_billing_run)


def _iso_date(text: str) -> Any:
    import datetime

    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def cmd_billing_run(settings: Settings, args: argparse.Namespace) -> None:
    from rich.console import Console
    from rich.progress import Progress

    from api.services import Services
    from billing.access.caller import Caller
    from billing.invoicing.run import run_billing_as
    services = Services.build(settings)
    # A bar on a terminal (on standard error); piped, only the JSON report on standard output.
    with Progress(console=Console(stderr=True), disable=not sys.stderr.isatty(), transient=True) as bar:
        task = bar.add_task("billing", total=None)
        report = with_database(
            settings, lambda: run_billing_as(
                Caller.operator(), args.as_of, services.billing_policy, services.payment_gateway, services.clock,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        )
    holds = [{"subscription": _global_id("Subscription", h.subscription_id), "reason": h.reason.value}
             for h in report.held]
    print(json.dumps({
        "as_of": report.as_of.isoformat(), "issued": report.issued,
        "held_subscriptions": [hold["subscription"] for hold in holds], "holds": holds,
        "declined": report.declined, "claimed_elsewhere": report.claimed_elsewhere, "past_due": report.past_due,
        "failures": [{"subscriptions": [_global_id("Subscription", s) for s in f.subscription_ids], "error": f.error}
                     for f in report.failures],
    }))
    if report.failures:  # every other unit was billed; say so in the exit status
        raise CommandError(f"{len(report.failures)} billing unit(s) failed; see failures in the report and the log")


def _add_usage_commands(sub: Any) -> None:
    usage = sub.add_parser("usage", help="usage records").add_subparsers(dest="action", required=True)
    imports = usage.add_parser(
        "import", help="record consumption from a CSV file (line_id,used_on,list_amount,idempotency_key); "
        "prints a JSON summary, exits 1 if any row was rejected",
    )
    imports.add_argument("file", type=Path, help="the CSV file, with a header row")
    imports.set_defaults(handler=cmd_usage_import)


def cmd_usage_import(settings: Settings, args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import Progress

    from api.usage_import import ImportFileError, count_rows, import_usage
    from billing.access.caller import Caller

    if not args.file.is_file():
        raise CommandError(f"no such file: {args.file}")
    with Progress(console=Console(stderr=True), disable=not sys.stdout.isatty(), transient=True) as bar:
        task = bar.add_task("importing usage", total=count_rows(args.file))
        try:
            summary = with_database(
                settings, lambda: import_usage(args.file, Caller.operator(), lambda n: bar.advance(task, n))
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
    print(json.dumps(summary.as_json(), ensure_ascii=False))
    return 1 if summary.rejected else 0


if __name__ == "__main__":
    sys.exit(main())
