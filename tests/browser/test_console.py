"""The reference console (/console/) and the development GraphiQL page in a real browser,
against a real ``portal serve`` that is its own issuer: PKCE sign-in through the sign-in
page, accounts, payment settings, invoices, an edit with its version check, a token
refresh, sign-out. Debian's chromium driven by Playwright (no browser download); each
step's screenshot is written to var/screenshots/."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.support.server import REPO, Served, free_port, portal, portal_env, serving

SCREENSHOTS = REPO / "var" / "screenshots"
PASSWORD = "demo-password-123"
TOKENS = "portal-console.tokens"  # the console's sessionStorage entry (api/web/static/auth.js)


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.skip(
            "BROWSER TESTS SKIPPED: no `chromium` on PATH. Install Debian's package "
            "(`apt-get install -y chromium`, or `make browser` as root) to run tests/browser/."
        )
    return found


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The service on a port known beforehand, so that it is its own issuer (the sign-in
    redirects go back to it), with the demo data (`portal demo` registers `portal-console`)."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = portal_env(tmp_path, PORTAL_ISSUER=issuer)
    portal(env, "migrate")
    portal(env, "demo")
    portal(env, "worker", "--once")  # what the worker does after a run: the invoices' PDFs
    with serving(tmp_path, port=port, PORTAL_ISSUER=issuer) as server:
        yield server


@pytest.fixture
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        yield launched
        launched.close()


class Problems:
    """Console errors and uncaught exceptions on the pages under test (/console/, /graphql;
    not the issuer's sign-in page): a blocked script or style (CSP), a failed request, a bug."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.seen: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.seen.append(f"{page.url}: uncaught {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        path = urlsplit(self.page.url).path
        if message.type == "error" and path in ("/console/", "/graphql"):
            self.seen.append(f"{self.page.url}: {message.text}")


def new_page(browser: Browser) -> tuple[Page, Problems]:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.set_default_timeout(10_000)
    return page, Problems(page)


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_console_signs_in_reads_edits_refreshes_and_signs_out(served: Served, browser: Browser):
    page, problems = new_page(browser)
    console = f"{served.url}/console/"

    page.goto(console)
    expect(page.locator("#signed-out")).to_be_visible()
    shot(page, "console-1-signed-out")

    page.click("#sign-in")
    page.wait_for_url("**/signin**")
    shot(page, "console-2-sign-in-page")
    page.fill("#username", "demo-owner")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")

    page.wait_for_url(console)  # code and state are taken out of the address bar
    expect(page.locator("#signed-in")).to_be_visible()
    expect(page.locator("#subject")).to_have_text("demo-owner")
    expect(page.locator("#accounts option")).to_have_text(["Demo IoT K.K. (OWNER)"])
    expect(page.locator("#method-JP")).to_have_text("Invoice")
    invoices = page.locator("#invoices tr")
    expect(invoices.first).to_contain_text("JP-")
    assert invoices.count() >= 1 and all(
        status in {"ISSUED", "PAST_DUE", "PAID", "VOID"} for status in invoices.locator("td:nth-child(4)").all_inner_texts()
    )
    pdf = invoices.first.locator("td:nth-child(5) a")
    expect(pdf).to_have_text("PDF")
    download = page.request.get(pdf.get_attribute("href") or "")  # a signed link: no bearer header
    assert download.status == 200 and download.headers["content-type"] == "application/pdf"
    assert download.body().startswith(b"%PDF-")
    shot(page, "console-3-signed-in")

    edited = f"ap-{uuid.uuid4().hex[:8]}@example.com"
    page.fill("#billing-email-JP", edited)
    page.click("#save-JP")
    expect(page.locator("#message")).to_contain_text(f"Saved: JP invoices now go to {edited}")
    page.reload()
    expect(page.locator("#billing-email-JP")).to_have_value(edited)
    shot(page, "console-4-edited-after-reload")

    # Someone else saves meanwhile: this page's version is stale and the save is refused.
    shown_version = int(page.locator("#version-JP").inner_text().split()[1])
    theirs = f"theirs-{uuid.uuid4().hex[:8]}@example.com"
    _update_billing_email_elsewhere(served, shown_version, theirs)
    page.fill("#billing-email-JP", f"mine-{uuid.uuid4().hex[:8]}@example.com")
    page.click("#save-JP")
    expect(page.locator("#message")).to_contain_text("The stored version is shown now")
    expect(page.locator("#billing-email-JP")).to_have_value(theirs)
    expect(page.locator("#version-JP")).to_contain_text(f"version {shown_version + 1}")
    shot(page, "console-5-version-conflict")

    # The access token expires: the next request first trades the refresh token for a new pair.
    before = _stored_tokens(page)
    page.evaluate(f"""() => {{
        const tokens = JSON.parse(sessionStorage.getItem("{TOKENS}"));
        sessionStorage.setItem("{TOKENS}", JSON.stringify({{...tokens, expiresAt: 0}}));
    }}""")
    with page.expect_request(lambda request: request.url.endswith("/oauth/token")) as refresh:
        page.reload()
    assert "grant_type=refresh_token" in (refresh.value.post_data or "")
    expect(page.locator("#billing-email-JP")).to_have_value(theirs)
    after = _stored_tokens(page)
    assert after["refreshToken"] != before["refreshToken"] and after["accessToken"] != before["accessToken"]

    page.click("#sign-out")
    page.wait_for_url(console)
    expect(page.locator("#signed-out")).to_be_visible()
    expect(page.locator("#signed-in")).to_be_hidden()
    assert page.evaluate(f'() => sessionStorage.getItem("{TOKENS}")') is None
    shot(page, "console-6-signed-out-again")
    refused = httpx.post(f"{served.url}/oauth/token", data={
        "grant_type": "refresh_token", "client_id": "portal-console", "refresh_token": after["refreshToken"]})
    assert refused.status_code == 400, "the refresh token was revoked at sign-out"
    page.click("#sign-in")
    page.wait_for_url("**/signin**")  # the issuer's sign-in session ended too

    assert problems.seen == []


def test_graphiql_runs_offline_and_signs_in_with_pkce(served: Served, browser: Browser):
    page, problems = new_page(browser)
    page.route(lambda url: not url.startswith(served.url), lambda route: route.abort())  # no internet
    page.goto(f"{served.url}/graphql")
    expect(page.locator(".graphiql-container")).to_be_visible()
    expect(page.locator("#sign-in")).to_be_visible()
    shot(page, "graphiql-1-signed-out")

    page.click("#sign-in")
    page.wait_for_url("**/signin**")
    page.fill("#username", "demo-owner")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{served.url}/graphql")
    expect(page.locator("#sign-out")).to_be_visible()
    page.click(".graphiql-execute-button")
    expect(page.locator(".graphiql-response")).to_contain_text('"subject": "demo-owner"')
    expect(page.locator(".graphiql-response")).to_contain_text("Demo IoT K.K.")
    shot(page, "graphiql-2-signed-in")

    # Before sign-in the page's own requests answer 401 (introspection, the example query).
    assert all("401" in seen for seen in problems.seen), problems.seen


def _update_billing_email_elsewhere(served: Served, version: int, email: str) -> None:
    token = served.portal("token", "--subject", "demo-owner", "--scope", "billing:read billing:write").strip()
    mutation = """mutation($input: UpdateInvoiceProfileInput!) {
        updateInvoiceProfile(input: $input) { invoiceProfile { version } errors { code message } } }"""
    answer = httpx.post(f"{served.url}/graphql", headers={"Authorization": f"Bearer {token}"}, json={
        "query": mutation, "variables": {"input": {"coverage": "JP", "expectedVersion": version, "billingEmail": email}}})
    payload = answer.json()["data"]["updateInvoiceProfile"]
    assert payload["errors"] == [] and payload["invoiceProfile"]["version"] == version + 1, answer.text


def _stored_tokens(page: Page) -> dict[str, object]:
    return json.loads(page.evaluate(f'() => sessionStorage.getItem("{TOKENS}")'))
