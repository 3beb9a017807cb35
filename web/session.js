// Session tokens and calls to the dashboard API.
//
// Where the API is: config.json (written beside the page at deploy time) or, without it, the page's
// own origin.
//
// Inside Shopify Admin, App Bridge issues the session token (shopify.idToken()). Outside it (under
// `make run`) the local server mints one for the demo shop at /local/session-token; that route exists
// in local mode only. Shopify's tokens live 60 s, so a token is reused for 50 s at most.
(function () {
  "use strict";
  const config = window.CONNECTOR_CONFIG;
  const TOKEN_REUSE_MS = 50000;
  let cached = null;

  function embedded() {
    const params = new URLSearchParams(window.location.search);
    return window.top !== window.self || params.has("host");
  }

  // App Bridge is Shopify's own script and only exists inside Shopify Admin: it is loaded there
  // only, never under `make run` or in the tests.
  function loadAppBridge() {
    if (!embedded() || !config.shopifyApiKey || window.shopify) return Promise.resolve();
    const meta = document.createElement("meta");
    meta.name = "shopify-api-key";
    meta.content = config.shopifyApiKey;
    document.head.prepend(meta);
    return new Promise((resolve) => {
      const script = document.createElement("script");
      script.src = "https://cdn.shopify.com/shopifycloud/app-bridge.js";
      script.onload = script.onerror = () => resolve();
      document.head.append(script);
    });
  }
  // On AWS the deployment writes config.json beside the page, naming the API (and, for App Bridge,
  // the app's client id); under `make run` there is none and the API is the page's own origin.
  async function loadDeployedConfig() {
    try {
      const response = await fetch("config.json", { cache: "no-store" });
      if (!response.ok) return;
      const deployed = await response.json();
      if (typeof deployed.apiUrl === "string") config.apiBase = deployed.apiUrl.replace(/\/+$/, "");
      if (typeof deployed.shopifyApiKey === "string") config.shopifyApiKey = deployed.shopifyApiKey;
    } catch (error) {
      // No readable config.json: keep the defaults of config.js.
    }
  }
  const ready = loadDeployedConfig().then(loadAppBridge);

  async function sessionToken() {
    await ready;
    if (window.shopify && typeof window.shopify.idToken === "function") {
      return window.shopify.idToken();
    }
    if (cached && Date.now() - cached.at < TOKEN_REUSE_MS) return cached.token;
    let response;
    try {
      response = await fetch(config.apiBase + "/local/session-token", { cache: "no-store" });
    } catch (error) {
      throw new ApiError(0, "network", "The connector cannot be reached. Check your connection; the page retries by itself.");
    }
    if (!response.ok) {
      throw new ApiError(401, "no_session",
        "No Shopify session: open this page from your Shopify Admin (Apps → TikTok Shop connector).");
    }
    const body = await response.json();
    cached = { token: body.token, at: Date.now() };
    return body.token;
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  // Shopify or TikTok Shop down (503 partner_unavailable, with Retry-After): a read, a PUT, or an
  // action its caller says is safe to repeat is sent again a few times, the wait shown through
  // onRetrying; any other action fails with the message and the merchant retries it.
  const OUTAGE_RETRIES = 3;
  const MAX_WAIT_SECONDS = 30;
  const hooks = { onRetrying: null };

  function retryable(method, options) {
    return method === "GET" || method === "PUT" || Boolean(options && options.idempotent);
  }

  function waitSeconds(error) {
    const seconds = Number(error.retryAfter);
    return Math.min(MAX_WAIT_SECONDS, Number.isFinite(seconds) && seconds > 0 ? seconds : 3);
  }

  async function api(method, path, body, options) {
    for (let retry = 0; ; retry += 1) {
      try {
        const answer = await call(method, path, body);
        if (retry > 0 && hooks.onRetrying) hooks.onRetrying(null);
        return answer;
      } catch (error) {
        const outage = error instanceof ApiError && error.code === "partner_unavailable";
        if (!outage || !retryable(method, options) || retry >= OUTAGE_RETRIES) {
          if (retry > 0 && hooks.onRetrying) hooks.onRetrying(null);
          throw error;
        }
        if (hooks.onRetrying) hooks.onRetrying(error.message + ", retrying…");
        await new Promise((resolve) => setTimeout(resolve, waitSeconds(error) * 1000));
      }
    }
  }

  // One call; JSON in and out. Errors become ApiError with the API's own message.
  async function call(method, path, body) {
    const token = await sessionToken();
    const headers = { Authorization: "Bearer " + token };
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(config.apiBase + path, init);
    } catch (error) {
      throw new ApiError(0, "network", "The connector cannot be reached. Check your connection; the page retries by itself.");
    }
    const text = await response.text();
    let payload = null;
    try {
      payload = text ? JSON.parse(text) : null;
    } catch (error) {
      payload = null;
    }
    if (!response.ok) {
      if (response.status === 401) cached = null;
      const detail = payload && payload.error ? payload.error : {};
      const failed = new ApiError(response.status, detail.code || "http_" + response.status,
        detail.message || "The connector answered " + response.status + ". Try again in a moment.");
      failed.retryAfter = response.headers.get("Retry-After");
      failed.activity = detail.activity || null; // a 409 activity_running names the one that runs
      throw failed;
    }
    return payload;
  }

  // Leave the page for Shopify's or TikTok's own pages: the whole Admin window when embedded.
  function navigateTop(url) {
    if (window.top !== window.self) {
      window.open(url, "_top");
    } else {
      window.location.assign(url);
    }
  }

  window.connector = { api, ApiError, navigateTop, hooks };
})();
