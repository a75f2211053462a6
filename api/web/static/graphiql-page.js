// The development GraphiQL page (GET /graphql from a browser): signs in with the same PKCE
// flow as the console and sends the access token from GraphiQL's fetcher. React, ReactDOM
// and GraphiQL are the vendored UMD globals loaded by the page before this module.
import { Auth, SignedOut } from "/static/auth.js";

const auth = new Auth({
  clientId: "portal-console",
  redirectUri: `${window.location.origin}/graphql`,
  scope: "billing:read billing:write invoices:read",
  storageKey: "portal-graphiql",
});

const EXAMPLE = `# Signed in (top right), every request carries your access token, refreshed as needed.
# A member of several accounts chooses one in the Headers tab: {"X-Account-ID": "<Account id>"}
# An Authorization header set there replaces the sign-in token (e.g. a staff token).
query {
  viewer { subject scopes role memberships { role account { id name } } }
}
`;

const $ = (id) => document.getElementById(id);

function say(text) {
  $("message").textContent = text;
}

async function fetcher(params, options) {
  try {
    const response = await auth.fetch("/graphql", {
      method: "POST",
      headers: { ...(options?.headers ?? {}), "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(params),
    });
    return await response.json();
  } catch (error) {
    if (error instanceof SignedOut) showSignedOut(error.message);
    throw error;
  }
}

function showSignedOut(text = "") {
  $("who").textContent = "Not signed in: requests go without a token (or with the Authorization header you set below).";
  $("sign-in").hidden = false;
  $("sign-out").hidden = true;
  say(text);
}

async function main() {
  $("sign-in").addEventListener("click", () => auth.signIn());
  $("sign-out").addEventListener("click", () => auth.signOut(`${window.location.origin}/graphql`));
  try {
    if (await auth.completeSignIn()) window.history.replaceState(null, "", "/graphql");
  } catch (error) {
    window.history.replaceState(null, "", "/graphql");
    say(error.message);
  }
  if (auth.signedIn) {
    $("who").textContent = "Signed in: requests carry your access token.";
    $("sign-out").hidden = false;
  } else {
    showSignedOut($("message").textContent);
  }
  const root = ReactDOM.createRoot($("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: EXAMPLE,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    }),
  );
}

main();
