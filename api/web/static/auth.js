// Sign-in for a public browser client of the portal's embedded issuer: OAuth 2.0
// authorization code with PKCE (RFC 7636, S256), refresh-token rotation, revocation.
// Shared by the reference console (/console/) and the development GraphiQL page.
//
// Where things are kept, and why:
// - The PKCE verifier and the `state` live in sessionStorage between the redirect to
//   /oauth/authorize and the return: they must survive that navigation, and only this tab
//   needs them. They are removed as soon as the code is exchanged.
// - The tokens live in sessionStorage too: they survive a reload of this tab but not the
//   tab itself, and other tabs and sites never see them. No cookie carries them, so no
//   request can be forged with them. A script injected into the page could read them:
//   the pages' Content-Security-Policy allows scripts from this origin only.

const EXPIRY_MARGIN_MS = 30_000; // refresh this long before the access token expires

/** Thrown when the person has to sign in (again): no tokens, or the refresh token is used up. */
export class SignedOut extends Error {}

export class Auth {
  /**
   * @param {object} options
   * @param {string} options.clientId     the public client registered for this page
   * @param {string} options.redirectUri  this page's URL, registered for the client
   * @param {string} options.scope        the scopes to ask for, space-separated
   * @param {string} options.storageKey   prefix of this page's sessionStorage entries
   */
  constructor({ clientId, redirectUri, scope, storageKey }) {
    this.clientId = clientId;
    this.redirectUri = redirectUri;
    this.scope = scope;
    this.pendingKey = `${storageKey}.pending`;
    this.tokensKey = `${storageKey}.tokens`;
    this.refreshing = null; // one refresh at a time: a rotated refresh token works once
  }

  get signedIn() {
    return this.#tokens() !== null;
  }

  /** Go to the issuer's sign-in; it comes back to `redirectUri` with `?code=…&state=…`. */
  async signIn() {
    const verifier = randomString(32);
    const state = randomString(16);
    sessionStorage.setItem(this.pendingKey, JSON.stringify({ verifier, state }));
    const query = new URLSearchParams({
      response_type: "code",
      client_id: this.clientId,
      redirect_uri: this.redirectUri,
      scope: this.scope,
      state,
      code_challenge: await challengeFor(verifier),
      code_challenge_method: "S256",
    });
    window.location.assign(`/oauth/authorize?${query}`);
  }

  /**
   * On the return from /oauth/authorize: check `state` and `iss`, exchange the code for
   * tokens. Answers false when the URL is not such a return. Call once on page load, then
   * take `code` and `state` out of the address bar.
   */
  async completeSignIn(url = new URL(window.location.href)) {
    const params = url.searchParams;
    if (!params.has("code") && !params.has("error")) return false;
    const pending = JSON.parse(sessionStorage.getItem(this.pendingKey) ?? "null");
    sessionStorage.removeItem(this.pendingKey);
    if (pending === null || params.get("state") !== pending.state) {
      throw new Error("This sign-in was not started here (state mismatch): sign in again.");
    }
    if (params.has("error")) {
      throw new Error(`Sign-in failed: ${params.get("error_description") ?? params.get("error")}`);
    }
    if (params.has("iss") && params.get("iss") !== (await this.#issuer())) {
      throw new Error("The sign-in answer came from another issuer: sign in again.");
    }
    await this.#tokenRequest({
      grant_type: "authorization_code",
      client_id: this.clientId,
      code: params.get("code"),
      redirect_uri: this.redirectUri,
      code_verifier: pending.verifier,
    });
    return true;
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken() {
    const tokens = this.#tokens();
    if (tokens === null) throw new SignedOut("Not signed in.");
    if (Date.now() < tokens.expiresAt - EXPIRY_MARGIN_MS) return tokens.accessToken;
    return (await this.refresh()).accessToken;
  }

  /** Trade the refresh token for a new pair (the old refresh token is then used up). */
  refresh() {
    this.refreshing ??= this.#refresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * `fetch` with `Authorization: Bearer <access token>` (unless the caller set its own);
   * on a 401 the token is refreshed and the request sent once more.
   */
  async fetch(url, init = {}) {
    const headers = new Headers(init.headers);
    if (headers.has("Authorization") || !this.signedIn) return fetch(url, { ...init, headers });
    headers.set("Authorization", `Bearer ${await this.accessToken()}`);
    const response = await fetch(url, { ...init, headers });
    if (response.status !== 401) return response;
    headers.set("Authorization", `Bearer ${(await this.refresh()).accessToken}`);
    return fetch(url, { ...init, headers });
  }

  /** Revoke the refresh token, forget the tokens, end the issuer's sign-in session. */
  async signOut(postLogoutRedirectUri) {
    const tokens = this.#tokens();
    sessionStorage.removeItem(this.tokensKey);
    if (tokens !== null) {
      // Best effort: the tokens are forgotten here whatever the issuer answers.
      await fetch("/oauth/revoke", {
        method: "POST",
        body: new URLSearchParams({ token: tokens.refreshToken, client_id: this.clientId }),
      }).catch(() => {});
    }
    const query = new URLSearchParams({ client_id: this.clientId, post_logout_redirect_uri: postLogoutRedirectUri });
    window.location.assign(`/signout?${query}`);
  }

  async #refresh() {
    const tokens = this.#tokens();
    if (tokens === null || !tokens.refreshToken) throw new SignedOut("Not signed in.");
    try {
      return await this.#tokenRequest({
        grant_type: "refresh_token",
        client_id: this.clientId,
        refresh_token: tokens.refreshToken,
      });
    } catch (error) {
      sessionStorage.removeItem(this.tokensKey); // used up, expired or revoked: sign in again
      throw new SignedOut(`Signed out: ${error.message}`);
    }
  }

  async #tokenRequest(form) {
    const response = await fetch("/oauth/token", { method: "POST", body: new URLSearchParams(form) });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error_description ?? body.error ?? `HTTP ${response.status}`);
    const tokens = {
      accessToken: body.access_token,
      refreshToken: body.refresh_token ?? this.#tokens()?.refreshToken ?? null,
      expiresAt: Date.now() + body.expires_in * 1000,
      scope: body.scope,
    };
    sessionStorage.setItem(this.tokensKey, JSON.stringify(tokens));
    return tokens;
  }

  #tokens() {
    return JSON.parse(sessionStorage.getItem(this.tokensKey) ?? "null");
  }

  async #issuer() {
    const response = await fetch("/.well-known/oauth-authorization-server");
    return (await response.json()).issuer;
  }
}

/** The S256 code challenge of a PKCE verifier: BASE64URL(SHA-256(verifier)). */
export async function challengeFor(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** `bytes` random bytes as base64url: 32 give a 43-character PKCE verifier. */
function randomString(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
