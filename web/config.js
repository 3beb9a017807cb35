// Deployment settings of the dashboard page. The hosting step may overwrite this file; anything set
// on window.CONNECTOR_CONFIG before it loads (tests, a staging page) wins over these defaults.
window.CONNECTOR_CONFIG = Object.assign(
  {
    // Base URL of the dashboard API ("" = the page's own origin, as under `make run`).
    apiBase: "",
    // The Shopify app's client id: inside Shopify Admin, App Bridge needs it to issue session tokens.
    shopifyApiKey: "",
    // Milliseconds between refreshes: while activities run, and otherwise.
    refreshFastMs: 2000,
    refreshSlowMs: 5000,
    pageSize: 10,
  },
  window.CONNECTOR_CONFIG || {},
);
