// The reference console: a working example of a customer front end on the portal's API.
// Signs in with PKCE (/static/auth.js), lets the person pick one of their accounts (sent as
// X-Account-ID), shows both coverages' payment settings and the latest invoices, edits an
// invoice profile's billing email with the version check, and signs out.
// Everything shown comes from the API and is written with textContent, never as HTML.
import { Auth, SignedOut } from "/static/auth.js";

const CONSOLE_URL = `${window.location.origin}/console/`;
const ACCOUNT_KEY = "portal-console.account";
const COVERAGES = ["JP", "GLOBAL"];

const auth = new Auth({
  clientId: "portal-console",
  redirectUri: CONSOLE_URL,
  scope: "billing:read billing:write invoices:read",
  storageKey: "portal-console",
});

// The operations, exactly as the server's trusted documents (schema/trusted/*.graphql): the server
// knows them by their text and runs the queries on compiled plans.
const VIEWER = `query Viewer { viewer { subject memberships { role account { id name } } } }
`;

const ACCOUNT = `query Account {
  jp: paymentSettings(coverage: JP) { ...Settings }
  global: paymentSettings(coverage: GLOBAL) { ...Settings }
  invoices(first: 10) {
    edges { node { id number issueDate status total { amount currency } totals { amount currency } document { url } } }
  }
}
fragment Settings on PaymentSettings {
  coverage
  paymentMethod
  creditCard { brand last4 receiptEmail }
  invoiceProfile { id version billingEmail coverages }
}
`;

const UPDATE_BILLING_EMAIL = `mutation UpdateBillingEmail($input: UpdateInvoiceProfileInput!) {
  updateInvoiceProfile(input: $input) {
    invoiceProfile { id version billingEmail }
    errors { code field message }
  }
}
`;

const $ = (id) => document.getElementById(id);
const versions = {}; // coverage -> the invoice profile version shown, sent as expectedVersion

class ApiError extends Error {}

/** POST a GraphQL operation; the data, or an ApiError with the errors' messages. */
async function graphql(query, variables = {}, { withAccount = true } = {}) {
  const headers = { "Content-Type": "application/json" };
  const account = sessionStorage.getItem(ACCOUNT_KEY);
  if (withAccount && account) headers["X-Account-ID"] = account;
  const response = await auth.fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  if (body.errors?.length) throw new ApiError(body.errors.map((error) => error.message).join(" "));
  return body.data;
}

function say(text, { error = false } = {}) {
  $("message").textContent = text;
  $("message").classList.toggle("error", error);
}

function money(value) {
  return value ? `${value.amount} ${value.currency}` : "";
}

function showSignedOut() {
  $("signed-in").hidden = true;
  $("signed-out").hidden = false;
  $("sign-out").hidden = true;
  $("account-picker").hidden = true;
  $("subject").textContent = "";
}

async function loadViewer() {
  const { viewer } = await graphql(VIEWER, {}, { withAccount: false });
  $("subject").textContent = viewer.subject;
  const ids = viewer.memberships.map((membership) => membership.account.id);
  if (!ids.includes(sessionStorage.getItem(ACCOUNT_KEY))) {
    if (ids.length) sessionStorage.setItem(ACCOUNT_KEY, ids[0]);
    else sessionStorage.removeItem(ACCOUNT_KEY);
  }
  const select = $("accounts");
  select.replaceChildren(
    ...viewer.memberships.map(({ account, role }) => new Option(`${account.name} (${role})`, account.id)),
  );
  select.value = sessionStorage.getItem(ACCOUNT_KEY) ?? "";
  $("account-picker").hidden = viewer.memberships.length === 0;
  return viewer.memberships.length > 0;
}

async function loadAccount() {
  const data = await graphql(ACCOUNT);
  for (const settings of [data.jp, data.global]) renderCoverage(settings);
  $("invoices").replaceChildren(...data.invoices.edges.map(({ node }) => invoiceRow(node)));
}

function renderCoverage({ coverage, paymentMethod, creditCard, invoiceProfile }) {
  $(`method-${coverage}`).textContent = { CREDIT_CARD: "Card", INVOICE: "Invoice" }[paymentMethod] ?? "None yet";
  $(`card-${coverage}`).textContent = creditCard
    ? `${creditCard.brand} •••• ${creditCard.last4}, receipts to ${creditCard.receiptEmail ?? "(none)"}`
    : "—";
  $(`profile-${coverage}`).hidden = !invoiceProfile;
  if (!invoiceProfile) return;
  versions[coverage] = invoiceProfile.version;
  $(`billing-email-${coverage}`).value = invoiceProfile.billingEmail;
  const shared = invoiceProfile.coverages.length > 1 ? ", shared by JP and GLOBAL" : "";
  $(`version-${coverage}`).textContent = `version ${invoiceProfile.version}${shared}`;
}

function invoiceRow(invoice) {
  const row = document.createElement("tr");
  const total = invoice.total ? money(invoice.total) : invoice.totals.map(money).join(" + ");
  for (const [text, className] of [[invoice.number], [invoice.issueDate], [total, "amount"], [invoice.status]]) {
    const cell = row.insertCell();
    cell.textContent = text;
    if (className) cell.className = className;
  }
  const pdf = row.insertCell();
  // The signed link downloads without a bearer header (10 minutes); only this service's links are followed.
  const url = invoice.document?.url;
  if (url && new URL(url, window.location.href).origin === window.location.origin) {
    const link = document.createElement("a");
    link.href = url;
    link.textContent = "PDF";
    link.setAttribute("download", `${invoice.number}.pdf`);
    pdf.append(link);
  } else {
    pdf.textContent = invoice.document ? "" : "preparing";
  }
  return row;
}

async function saveBillingEmail(coverage) {
  const input = { coverage, expectedVersion: versions[coverage], billingEmail: $(`billing-email-${coverage}`).value };
  const { updateInvoiceProfile: payload } = await graphql(UPDATE_BILLING_EMAIL, { input });
  const conflict = payload.errors.find((error) => error.code === "VERSION_CONFLICT");
  if (conflict) {
    await loadAccount(); // show what is stored now; the person decides again
    say(`${conflict.message} The stored version is shown now.`, { error: true });
  } else if (payload.errors.length) {
    say(payload.errors.map((error) => error.message).join(" "), { error: true });
  } else {
    await loadAccount(); // a merged profile changes the other coverage too
    say(`Saved: ${coverage} invoices now go to ${payload.invoiceProfile.billingEmail}.`);
  }
}

/** Run `action`; a SignedOut ends in the signed-out view, any other error is shown. */
async function guarded(action) {
  try {
    await action();
  } catch (error) {
    if (error instanceof SignedOut) {
      showSignedOut();
      say("Your session has ended: sign in again.");
    } else {
      say(error.message, { error: true });
    }
  }
}

async function main() {
  $("sign-in").addEventListener("click", () => auth.signIn());
  $("sign-out").addEventListener("click", () => guarded(() => auth.signOut(CONSOLE_URL)));
  $("accounts").addEventListener("change", (event) =>
    guarded(async () => {
      sessionStorage.setItem(ACCOUNT_KEY, event.target.value);
      say("");
      await loadAccount();
    }),
  );
  for (const coverage of COVERAGES) {
    $(`profile-${coverage}`).addEventListener("submit", (event) => {
      event.preventDefault();
      guarded(() => saveBillingEmail(coverage));
    });
  }

  try {
    if (await auth.completeSignIn()) window.history.replaceState(null, "", CONSOLE_URL);
  } catch (error) {
    window.history.replaceState(null, "", CONSOLE_URL);
    showSignedOut();
    say(error.message, { error: true });
    return;
  }
  if (!auth.signedIn) {
    showSignedOut();
    return;
  }
  $("signed-out").hidden = true;
  $("sign-out").hidden = false;
  await guarded(async () => {
    if (!(await loadViewer())) {
      say("You are not a member of any account.", { error: true });
      return;
    }
    await loadAccount();
    $("signed-in").hidden = false;
  });
}

main();
