// The merchant's dashboard: renders GET /v1/dashboard, lists, actions and settings, and refreshes
// itself (fast while activities run). Plain DOM, no framework; text from the API is never parsed
// as HTML.
(function () {
  "use strict";
  const { api, navigateTop, hooks } = window.connector;
  const config = window.CONNECTOR_CONFIG;

  // Status and activity names come with the dashboard (GET /v1/dashboard's vocabulary), so the
  // page never restates them; vocabulary() answers what the last dashboard said.
  const vocabulary = () => (state.dashboard && state.dashboard.vocabulary) ||
    { product_statuses: [], order_statuses: [], final_order_statuses: [], activity_types: [] };
  const pairs = (labels) => labels.map(({ id, label }) => [id, label]);
  const statusLabel = (status) =>
    Object.fromEntries([...pairs(vocabulary().product_statuses), ...pairs(vocabulary().order_statuses)])[status] || status;
  const activityLabel = (type) => Object.fromEntries(pairs(vocabulary().activity_types))[type] || type;
  const EMPTY_LISTS = {
    products: {
      "": "No products yet. Use “Import products” to bring in your Shopify catalog.",
      live: "No live products yet. Upload products; TikTok reviews them and they go live here.",
      failed: "No failed products. Nothing to fix.",
      not_uploaded: "Every imported product is uploaded. Import again to bring in new Shopify products.",
      inactive: "No inactive products.",
      pending: "Nothing waiting for TikTok's review.",
    },
    orders: {
      "": "No TikTok orders yet. They appear here as soon as TikTok Shop sends them.",
    },
  };

  const state = {
    dashboard: null,
    rendered: {},
    timer: null,
    refreshing: false,
    listing: null,
    settings: null,
    settingsLoaded: false,
    salesDays: 30,
    sales: null,
    salesChart: null,
  };
  const $ = (id) => document.getElementById(id);
  const number = new Intl.NumberFormat();

  // --- DOM helpers -----------------------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key === "width") el.style.width = value;
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  // Re-render a section only when its data changed, so refreshes keep focus and scroll.
  function renderIfChanged(key, data, render) {
    const snapshot = JSON.stringify(data);
    if (state.rendered[key] === snapshot) return;
    state.rendered[key] = snapshot;
    render(data);
  }

  function replaceChildren(el, ...children) {
    el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }

  function percent(part, whole) {
    if (!whole) return 0;
    return Math.max(0, Math.min(100, Math.round((part * 100) / whole)));
  }

  function formatMoney(amount, currency) {
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(Number(amount));
    } catch (error) {
      return amount + " " + currency;
    }
  }

  function formatDate(isoDate) {
    const [y, m, d] = isoDate.split("-").map(Number);
    return new Date(y, m - 1, d).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
  }

  function formatTime(value) {
    if (!value) return "";
    const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  // --- notices -----------------------------------------------------------------------------------
  let toastTimer = null;
  function toast(message) {
    const el = $("toast");
    el.textContent = message;
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, 6000);
  }

  function banner(message, retry) {
    const el = $("banner");
    if (!message) {
      el.hidden = true;
      el.replaceChildren();
      return;
    }
    replaceChildren(el, h("span", {}, message),
      retry ? h("button", { type: "button", "data-action": "retry" }, "Retry now") : null);
    el.hidden = false;
  }

  // A partner outage the API calls retry through: "Shopify is not answering, retrying…" while
  // they wait, gone once an answer came (or the retries ran out and the caller says so).
  hooks.onRetrying = (message) => {
    const el = $("outage");
    el.textContent = message || "";
    el.hidden = !message;
  };

  function explain(error) {
    if (error.status === 401 || error.status === 403) {
      return error.message + " Reopen the app from your Shopify Admin to start a new session.";
    }
    if (error.code === "partner_unavailable") return error.message + ". Try again in a moment.";
    if (error.code === "activity_running" && error.activity) {
      // The message says how far it is; a percentage would read 100 while it is still counting.
      return error.message + ". It started " + formatTime(error.activity.started_at) +
        " and shows under Activities.";
    }
    return error.message;
  }

  // --- refresh loop ------------------------------------------------------------------------------
  async function refresh() {
    clearTimeout(state.timer);
    if (state.refreshing) return;
    state.refreshing = true;
    try {
      const dashboard = await api("GET", "/v1/dashboard");
      state.dashboard = dashboard;
      render(dashboard);
      banner(null);
      loadSales();  // live like the counters: every refresh reads the period's figures again
    } catch (error) {
      if (!state.dashboard) {
        $("loading").hidden = true;
        $("fatal-message").textContent = explain(error);
        $("fatal").hidden = false;
      } else {
        banner("Could not refresh: " + explain(error) + " The numbers below may be out of date.", true);
      }
    } finally {
      state.refreshing = false;
      schedule();
    }
  }

  function schedule() {
    clearTimeout(state.timer);
    const running = state.dashboard && state.dashboard.activities.ongoing.length > 0;
    const delay = running ? config.refreshFastMs : config.refreshSlowMs;
    state.timer = setTimeout(() => {
      if (document.hidden) schedule();
      else refresh();
    }, delay);
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && state.dashboard) refresh();
  });

  // --- rendering ---------------------------------------------------------------------------------
  function render(d) {
    $("loading").hidden = true;
    $("fatal").hidden = true;
    $("dashboard").hidden = false;
    $("shop-name").textContent = d.shop + " · updated " + new Date().toLocaleTimeString();
    renderIfChanged("products", d.products, (counts) => renderChart("products", pairs(vocabulary().product_statuses), counts));
    renderIfChanged("orders", d.orders, (counts) => renderChart("orders", pairs(vocabulary().order_statuses), counts));
    renderIfChanged("activities", d.activities, renderActivities);
    renderIfChanged("plan", d.plan, renderPlan);
    renderIfChanged("connection", d.connection, renderConnection);
    renderIfChanged("prerequisites", d.prerequisites, renderPrerequisites);
    renderIfChanged("faqs", d.faqs, renderFaqs);
    renderIfChanged("webhooks", d.tiktok_webhooks_missing, renderWebhooksNotice);
    renderIfChanged("wizard", [d.prerequisites, d.activities.ongoing.map((a) => a.type), wizardSettingsDone()], renderWizard);
    if (!state.settingsLoaded) loadSettings();
  }

  function renderChart(kind, statuses, counts) {
    const noun = kind === "products" ? "products" : "orders";
    const one = kind === "products" ? "product" : "order";
    $(kind + "-total").textContent = number.format(counts.total) + " in all";
    const largest = Math.max(1, ...statuses.map(([status]) => counts[status]));
    const rows = statuses.map(([status, label]) => {
      const count = counts[status];
      const width = count ? Math.max(2, percent(count, largest)) : 0;
      return h("li", {},
        h("button", {
          type: "button",
          class: "status-row",
          "data-action": "open-list",
          "data-kind": kind,
          "data-status": status,
          "aria-label": `${label}: ${count} ${count === 1 ? one : noun}. Show the list`,
        },
        h("span", { class: "status-label" }, label),
        h("span", { class: "bar-track", "aria-hidden": "true" },
          h("span", { class: "bar-fill s-" + status, width: width + "%" })),
        h("span", { class: "status-count", "data-testid": `count-${kind}-${status}` }, number.format(count))));
    });
    const list = h("ul", { class: "status-list" }, rows);
    const all = h("button", { type: "button", class: "link", "data-action": "open-list", "data-kind": kind, "data-status": "" },
      `Show all ${noun}`);
    const empty = counts.total === 0
      ? h("p", { class: "empty" }, kind === "products"
        ? "No products yet: start with “Import products”."
        : "No TikTok orders yet: they appear here as soon as TikTok Shop sends them.")
      : null;
    replaceChildren($(kind + "-chart"), empty, list, all);
  }

  function progressBar(activity) {
    const label = activityLabel(activity.type) + " progress";
    if (activity.total === 0 && activity.state === "ongoing") {
      return h("div", { class: "progress indeterminate", role: "progressbar", "aria-label": label, "aria-valuetext": "Starting" },
        h("span", { class: "progress-fill" }));
    }
    return h("div", {
      class: "progress",
      role: "progressbar",
      "aria-label": label,
      "aria-valuemin": 0,
      "aria-valuemax": activity.total,
      "aria-valuenow": activity.processed,
      "aria-valuetext": `${activity.processed} of ${activity.total} (${activity.progress_percent}%)`,
    }, h("span", { class: "progress-fill", width: activity.progress_percent + "%" }));
  }

  function activityItem(activity) {
    const title = activityLabel(activity.type);
    const ongoing = activity.state === "ongoing";
    const counts = `${number.format(activity.processed)} of ${number.format(activity.total)} processed · ` +
      `${number.format(activity.succeeded)} succeeded · ${number.format(activity.failed)} failed`;
    const when = ongoing ? "started " + formatTime(activity.started_at) : "finished " + formatTime(activity.finished_at);
    const badge = ongoing ? null : h("span", { class: "badge " + (activity.state === "failed" ? "bad" : "good") },
      activity.state === "failed" ? "Failed" : "Completed");
    const errors = activity.errors.length
      ? h("ul", { class: "errors" }, activity.errors.slice(0, 3).map((e) => h("li", {}, e)))
      : null;
    return h("li", { class: "activity", "data-activity-id": activity.id, "data-state": activity.state },
      h("div", { class: "activity-head" }, h("strong", {}, title), badge, h("span", { class: "muted" }, when)),
      ongoing ? progressBar(activity) : null,
      h("p", { class: "muted activity-counts" },
        ongoing && activity.total === 0 ? "Counting what to do…" : counts),
      errors);
  }

  function renderActivities(activities) {
    replaceChildren($("activities-ongoing"), activities.ongoing.length
      ? activities.ongoing.map(activityItem)
      : h("li", { class: "empty" }, "Nothing running. Imports and uploads you start show their progress here."));
    replaceChildren($("activities-completed"), activities.completed.length
      ? activities.completed.map(activityItem)
      : h("li", { class: "empty" }, "No finished activities yet."));
    $("import-button").disabled = activities.ongoing.some((a) => a.type === "import");
    $("import-button").textContent = $("import-button").disabled ? "Import running…" : "Import products";
  }

  function meter(label, remaining, limit, used, testid) {
    const left = percent(remaining, limit);
    return h("div", { class: "meter-block" },
      h("div", { class: "meter-head" }, h("span", {}, label),
        h("span", { "data-testid": testid }, `${number.format(remaining)} of ${number.format(limit)} left`)),
      h("div", {
        class: "meter" + (left <= 10 ? " low" : ""),
        role: "meter",
        "aria-label": label + " remaining",
        "aria-valuemin": 0,
        "aria-valuemax": limit,
        "aria-valuenow": remaining,
        "aria-valuetext": `${remaining} of ${limit} left (${used} used)`,
      }, h("span", { class: "meter-fill", width: left + "%" })));
  }

  function renderPlan(plan) {
    const upgrades = plan.upgrade_options.map((option) =>
      h("li", { class: "upgrade" },
        h("div", {}, h("strong", {}, option.name), " ",
          h("span", { class: "muted" }, `${formatMoney(option.amount, plan.currency)}/month · ` +
            `${number.format(option.products_limit)} products · ${number.format(option.orders_limit)} orders`)),
        h("button", { type: "button", class: "primary", "data-action": "upgrade", "data-plan": option.plan },
          "Upgrade to " + option.name)));
    const notes = [];
    if (plan.subscription_status && plan.subscription_status !== "ACTIVE") {
      notes.push(h("p", { class: "warn" }, `Shopify reports this subscription as ${plan.subscription_status.toLowerCase()}.`));
    }
    if (plan.pending_plan) {
      notes.push(h("p", { class: "muted" }, `Changes to ${plan.pending_plan} at the next billing date.`));
    }
    replaceChildren($("plan"),
      h("div", { class: "plan-head" },
        h("span", { class: "plan-name", "data-testid": "plan-name" }, plan.name),
        h("span", { class: "plan-amount", "data-testid": "plan-amount" }, formatMoney(plan.amount, plan.currency) + " / month")),
      h("p", { class: "muted" }, "Next billing date: ", h("span", { "data-testid": "plan-billing-date" }, formatDate(plan.billing_date))),
      meter("Products", plan.products_remaining, plan.products_limit, plan.products_used, "plan-products-remaining"),
      meter("Orders this cycle", plan.orders_remaining, plan.orders_limit, plan.orders_used, "plan-orders-remaining"),
      notes,
      upgrades.length
        ? [h("h3", {}, "Need more room?"), h("ul", { class: "upgrades" }, upgrades)]
        : h("p", { class: "muted" }, "You are on the largest plan."));
  }

  // The TikTok connection: its state, when its authorization ends, and the call to (re)connect.
  function renderConnection(connection) {
    const connected = connection.state === "connected";
    const parts = [connected ? "Connected" + (connection.tiktok_shop_id ? ` (shop ${connection.tiktok_shop_id})` : "") : ""];
    if (connected && connection.authorization_expires_at) {
      parts.push(`Authorization valid until ${formatTime(connection.authorization_expires_at)}.`);
    }
    if (connection.message) parts.push(connection.message);
    $("connection-status").textContent = parts.filter(Boolean).join(" ");
    $("connection").classList.toggle("warning", connection.reconnect_needed && connection.state !== "not_connected");
    $("connection-button").textContent = connection.state === "not_connected" ? "Connect TikTok Shop" : "Reconnect TikTok Shop";
    $("connection-button").hidden = !connection.reconnect_needed;
    if (connection.region) $("seller-region").value = connection.region === "US" ? "US" : "OTHER";
  }

  function showShopChoice(shops) {
    $("connection-choice").hidden = false;
    replaceChildren($("connection-shops"), shops.map((shop) =>
      h("li", {}, h("button", { type: "button", "data-action": "choose-tiktok-shop", "data-id": shop.tiktok_shop_id },
        `${shop.name} (${shop.region})`))));
    $("connection").scrollIntoView({ block: "start" });
  }

  // Back from TikTok (its redirect leads to this page with ?tiktok_state=…): the link is made here,
  // in this session; the address is cleaned so that a reload does not send the state again.
  async function finishTikTokConnection() {
    const params = new URLSearchParams(window.location.search);
    const stateValue = params.get("tiktok_state");
    const declined = params.get("tiktok_error");
    if (!stateValue && !declined) return;
    params.delete("tiktok_state");
    params.delete("tiktok_error");
    const query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
    if (declined) {
      banner("TikTok Shop was not connected: the authorization was declined.", true);
      return;
    }
    try {
      // Safe to repeat: an outage puts the state back for the retry.
      const linked = await api("POST", "/v1/connections/tiktok/complete", { state: stateValue },
        { idempotent: true });
      if (linked.status === "choose") showShopChoice(linked.shops);
      else toast(`TikTok shop ${linked.tiktok_shop_name} is connected.`);
    } catch (error) {
      banner("TikTok Shop was not connected: " + explain(error), true);
    }
    refresh();
  }

  const PREREQUISITE_ACTIONS = {
    tiktok_connected: ["connect-tiktok", "Connect TikTok Shop"],
    products_imported: ["import", "Import products"],
  };

  function renderPrerequisites(items) {
    replaceChildren($("prerequisites"), items.map((item) => {
      const action = !item.done && PREREQUISITE_ACTIONS[item.id];
      return h("li", { class: item.done ? "done" : "todo", "data-prerequisite": item.id },
        h("span", { class: "check", "aria-hidden": "true" }, item.done ? "✓" : ""),
        h("div", {},
          h("strong", {}, item.title),
          h("span", { class: "sr-only" }, item.done ? " (done)" : " (to do)"),
          h("p", { class: "help" }, item.help),
          action ? h("button", { type: "button", "data-action": action[0] }, action[1]) : null));
    }));
  }

  // TikTok event types whose webhooks do not reach the app: the daily check registers them again,
  // and connecting TikTok Shop again registers them at once.
  function renderWebhooksNotice(missing) {
    const notice = $("webhooks-notice");
    notice.hidden = !missing || missing.length === 0;
    if (notice.hidden) return;
    const names = missing.map((type) => type.toLowerCase().replaceAll("_", " ")).join(", ");
    replaceChildren(notice, [
      h("span", {}, `TikTok Shop is not sending us these updates: ${names}. We retry every day; reconnect to retry now.`),
      h("button", { type: "button", "data-action": "connect-tiktok" }, "Reconnect TikTok Shop"),
    ]);
  }

  function renderFaqs(faqs) {
    replaceChildren($("faqs"), faqs.length
      ? faqs.map((faq) => h("details", {}, h("summary", {}, faq.question), h("p", {}, faq.answer)))
      : h("p", { class: "empty" }, "No questions yet."));
  }

  // --- setup wizard ------------------------------------------------------------------------------
  function settingsKey() {
    return "connector.settings-reviewed." + (state.dashboard ? state.dashboard.shop : "");
  }

  function wizardSettingsDone() {
    try {
      return window.localStorage.getItem(settingsKey()) === "1";
    } catch (error) {
      return false;
    }
  }

  function markSettingsReviewed() {
    try {
      window.localStorage.setItem(settingsKey(), "1");
    } catch (error) {
      // Private mode: the wizard simply keeps offering the step.
    }
    if (state.dashboard) renderIfChanged("wizard", [state.dashboard.prerequisites, state.dashboard.activities.ongoing.map((a) => a.type), true], renderWizard);
  }

  function renderWizard([prerequisites, ongoingTypes, settingsDone]) {
    const done = Object.fromEntries(prerequisites.map((p) => [p.id, p.done]));
    const connected = done.tiktok_connected;
    const imported = done.products_imported;
    $("wizard").hidden = connected && imported;
    if (connected && imported) return;
    const importing = ongoingTypes.includes("import");
    const steps = [
      {
        title: "Connect your TikTok Shop",
        text: "Authorize the app in TikTok Shop Seller Center. This page updates once you are connected.",
        done: connected,
        action: ["connect-tiktok", "Connect TikTok Shop"],
      },
      {
        title: "Choose what to sync",
        text: "Pick the fields, the price rule and the stock buffer. You can change them any time.",
        done: settingsDone || imported,
        action: ["open-settings", "Review settings"],
      },
      {
        title: "Import your products",
        text: importing ? "The import is running: its progress shows under Activities." :
          "Bring your Shopify catalog in; products appear as Not Uploaded until you upload them.",
        done: imported,
        action: importing ? null : ["import", "Start the first import"],
      },
    ];
    const current = steps.findIndex((s) => !s.done);
    replaceChildren($("wizard-steps"), steps.map((step, i) =>
      h("li", { class: step.done ? "done" : i === current ? "current" : "", "aria-current": i === current ? "step" : null },
        h("strong", {}, step.title, step.done ? h("span", { class: "sr-only" }, " (done)") : null),
        h("p", { class: "help" }, step.text),
        !step.done && step.action
          ? h("button", { type: "button", class: i === current ? "primary" : "", "data-action": step.action[0] }, step.action[1])
          : null)));
  }

  // --- sales insight (GET /v1/sales) -------------------------------------------------------------
  const SALES_COLUMNS = [
    ["orders", "Orders"], ["units", "Units"], ["gross_sales", "Gross sales"],
    ["seller_discounts", "Seller discounts"], ["platform_discounts", "Platform discounts"],
    ["shipping", "Shipping"], ["taxes", "Taxes"], ["net_sales", "Net sales"],
    ["cancelled_orders", "Cancelled orders"], ["cancelled_sales", "Cancelled sales"],
    ["returned_orders", "Returned orders"], ["returned_sales", "Returned sales"],
    ["held_orders", "Held by the plan's limit"],
  ];
  const COUNT_COLUMNS = new Set(["orders", "units", "cancelled_orders", "returned_orders", "held_orders"]);

  async function loadSales() {
    const days = state.salesDays;
    try {
      const sales = await api("GET", `/v1/sales?days=${days}`);
      if (days !== state.salesDays) return;  // the merchant chose another period meanwhile
      state.sales = sales;
      renderIfChanged("sales", sales, renderSales);
    } catch (error) {
      $("sales-note").textContent = "Sales could not load: " + explain(error);
    }
  }

  function renderSales(sales) {
    const shown = (name, amount) => COUNT_COLUMNS.has(name) ? number.format(Number(amount)) : formatMoney(amount, sales.currency);
    $("sales-note").textContent =
      `${formatDate(sales.current.first_day)} – ${formatDate(sales.current.last_day)} (${sales.time_zone}), ` +
      `against the ${sales.days} days before · cancellation rate ${rate(sales.current.rates.cancellation_rate)} · ` +
      `return rate ${rate(sales.current.rates.return_rate)} · held by the plan's limit ${rate(sales.current.rates.held_share)}`;
    const rows = SALES_COLUMNS.map(([name, label]) => {
      const now = Number(sales.current.totals[name]);
      const before = Number(sales.previous.totals[name]);
      const change = before ? Math.round(((now - before) * 100) / before) : null;
      return h("tr", { "data-figure": name },
        h("th", { scope: "row" }, label),
        h("td", {}, shown(name, sales.current.totals[name])),
        h("td", {}, shown(name, sales.previous.totals[name])),
        h("td", { class: change > 0 ? "up" : change < 0 ? "down" : "" }, change === null ? "–" : `${change > 0 ? "+" : ""}${change}%`));
    });
    replaceChildren($("sales-summary"), h("table", { class: "sales-table" },
      h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", { scope: "col" }, `Last ${sales.days} days`),
        h("th", { scope: "col" }, `${sales.days} days before`), h("th", { scope: "col" }, "Change"))),
      h("tbody", {}, rows)));
    replaceChildren($("sales-top-units"), topProducts(sales.top_by_units, (p) => `${number.format(p.units)} units`));
    replaceChildren($("sales-top-net"), topProducts(sales.top_by_net_sales, (p) => formatMoney(p.net_sales, sales.currency)));
    // The top products are ranked by a digest shortly after sales move: say as of when.
    $("sales-top-note").textContent = sales.top_products_computed_at
      ? `Top products as of ${formatTime(sales.top_products_computed_at)}` +
        (sales.top_products_through !== sales.today ? `, ranked over the ${sales.days} days to ${formatDate(sales.top_products_through)}` : "")
      : (Number(sales.current.totals.orders) ? "Top products are being ranked…" : "");
    drawSalesChart(sales);
  }

  function rate(fraction) {
    return (Number(fraction) * 100).toFixed(1) + "%";
  }

  function topProducts(products, figure) {
    if (!products.length) return [h("li", { class: "muted" }, "No sales in this period yet.")];
    return products.map((p) => h("li", {},
      p.product_id
        ? h("button", { type: "button", class: "link", "data-action": "open-product", "data-product-id": p.product_id,
          "data-status": p.status || "" }, p.title)
        : h("span", {}, p.title),
      " · ", figure(p),
      p.status ? h("span", { class: "muted" }, ` · ${statusLabel(p.status)}${p.tiktok_status ? " (" + p.tiktok_status + ")" : ""}`) : null));
  }

  function drawSalesChart(sales) {
    if (!window.Chart) return;  // the library failed to load: the table still tells the figures
    const data = {
      labels: sales.daily.map((day) => day.day),
      datasets: [
        { type: "bar", label: `Net sales (${sales.currency})`, data: sales.daily.map((day) => Number(day.net_sales)),
          backgroundColor: "#fe2c55", yAxisID: "money" },
        { type: "line", label: "Orders", data: sales.daily.map((day) => day.orders),
          borderColor: "#25f4ee", backgroundColor: "#25f4ee", yAxisID: "orders", tension: 0.3 },
      ],
    };
    if (state.salesChart) {
      state.salesChart.data = data;
      state.salesChart.update("none");
      return;
    }
    state.salesChart = new window.Chart($("sales-chart"), {
      data,
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          money: { position: "left", beginAtZero: true },
          orders: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 } },
        },
      },
    });
  }

  function exportSalesCsv() {
    const sales = state.sales;
    if (!sales) return;
    const header = ["day", ...SALES_COLUMNS.map(([name]) => name)];
    const lines = [header, ...sales.daily.map((day) => [day.day, ...SALES_COLUMNS.map(([name]) => day[name])])];
    const csv = lines.map((line) => line.join(",")).join("\r\n") + "\r\n";
    const link = h("a", { href: URL.createObjectURL(new Blob([csv], { type: "text/csv" })),
      download: `sales-${sales.shop}-${sales.current.first_day}-${sales.current.last_day}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
  }

  // --- listings ----------------------------------------------------------------------------------
  function openList(kind, status, highlight) {
    state.listing = { kind, status, cursors: [null], index: 0, next: null, items: [], selected: new Set(), highlight };
    const label = status ? statusLabel(status) + " " + kind : "All " + kind;
    $("listing-title").textContent = label.charAt(0).toUpperCase() + label.slice(1);
    $("listing").hidden = false;
    loadPage().then(() => $("listing-title").focus());
  }

  async function loadPage() {
    const listing = state.listing;
    if (!listing) return;
    const params = new URLSearchParams({ limit: String(config.pageSize) });
    if (listing.status) params.set("status", listing.status);
    const cursor = listing.cursors[listing.index];
    if (cursor) params.set("cursor", cursor);
    const body = $("listing-body");
    body.setAttribute("aria-busy", "true");
    replaceChildren(body, h("p", { class: "muted" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Loading…"));
    try {
      const page = await api("GET", `/v1/${listing.kind}?${params}`);
      if (state.listing !== listing) return;
      listing.items = page.items;
      listing.next = page.next_cursor;
      renderListing();
    } catch (error) {
      if (state.listing !== listing) return;
      replaceChildren(body, h("div", { class: "state-box error" },
        h("p", {}, "The list could not load: " + explain(error)),
        h("button", { type: "button", "data-action": "list-refresh" }, "Try again")));
    } finally {
      body.removeAttribute("aria-busy");
      updatePager();
    }
  }

  function updatePager() {
    const listing = state.listing;
    document.querySelector('[data-action="page-prev"]').disabled = !listing || listing.index === 0;
    document.querySelector('[data-action="page-next"]').disabled = !listing || !listing.next;
    $("page-number").textContent = listing ? "Page " + (listing.index + 1) : "";
  }

  function renderListing() {
    const listing = state.listing;
    if (listing.kind === "products") renderProductTools();
    else replaceChildren($("listing-tools"));
    if (!listing.items.length) {
      const texts = EMPTY_LISTS[listing.kind];
      const text = texts[listing.status] ||
        (listing.kind === "orders" ? `No ${statusLabel(listing.status)} orders right now.` : texts[""]);
      replaceChildren($("listing-body"), h("p", { class: "empty" }, listing.index > 0 ? "No more items." : text));
      return;
    }
    const table = listing.kind === "products" ? productTable(listing) : orderTable(listing);
    replaceChildren($("listing-body"), h("div", { class: "table-wrap" }, table));
    const row = listing.highlight && table.querySelector(`tr[data-product-id="${CSS.escape(listing.highlight)}"]`);
    if (row) {
      row.classList.add("highlight");
      row.scrollIntoView({ block: "center" });
    }
  }

  function renderProductTools() {
    const listing = state.listing;
    const waiting = state.dashboard ? state.dashboard.products.not_uploaded : 0;
    replaceChildren($("listing-tools"),
      h("button", { type: "button", class: "primary", "data-action": "upload-selected", disabled: listing.selected.size === 0 },
        `Upload selected (${listing.selected.size})`),
      h("button", { type: "button", "data-action": "upload-all", disabled: waiting === 0 },
        `Upload all not uploaded (${number.format(waiting)})`));
  }

  function cell(label, ...children) {
    return h("td", { "data-label": label }, ...children);
  }

  function productTable(listing) {
    const rows = listing.items.map((p) => {
      const actions = [];
      if (p.tiktok_product_id && (p.status === "live" || p.status === "pending")) {
        actions.push(h("button", { type: "button", "data-action": "deactivate", "data-id": p.id }, "Deactivate"));
      }
      if (p.tiktok_product_id && p.status === "inactive") {
        actions.push(h("button", { type: "button", "data-action": "activate", "data-id": p.id }, "Activate"));
      }
      const uploadable = p.status === "not_uploaded" || p.status === "failed";
      // A failed product may need another category or attribute even when nothing is listed missing.
      if (uploadable && (p.missing.length || p.status === "failed")) {
        actions.push(h("button", { type: "button", "data-action": "fix-listing", "data-id": p.id, "data-title": p.title },
          "Fix listing", h("span", { class: "sr-only" }, " of " + p.title)));
      }
      const checkbox = uploadable
        ? h("input", { type: "checkbox", "data-action": "select", "data-id": p.id, checked: listing.selected.has(p.id),
          "aria-label": "Select " + p.title + " for upload" })
        : null;
      return h("tr", { "data-product-id": p.id },
        cell("Select", checkbox),
        cell("Product", h("div", {}, h("strong", {}, p.title), h("div", { class: "muted small" }, `#${p.id}` + (p.variants ? ` · ${p.variants} variant${p.variants === 1 ? "" : "s"}` : "")))),
        cell("Status", h("span", { class: "badge s-" + p.status }, statusLabel(p.status))),
        cell("On TikTok", p.tiktok_product_id ? [p.tiktok_status || "", h("div", { class: "muted small" }, p.tiktok_product_id)] : "—"),
        cell("Details", productDetails(p)),
        cell("Actions", actions.length ? actions : ""));
    });
    return h("table", {},
      h("thead", {}, h("tr", {}, ["Select", "Product", "Status", "On TikTok", "Details", "Actions"].map((t) =>
        h("th", { scope: "col" }, t === "Select" ? h("span", { class: "sr-only" }, t) : t)))),
      h("tbody", {}, rows));
  }

  // Why a product is not on sale (or not as edited): TikTok's reasons, what the listing still lacks,
  // what TikTok waits for, its Shopify status.
  function productDetails(p) {
    const notActive = p.shopify_status !== "ACTIVE";
    if (!p.failure_reason && !p.missing.length && !p.waiting_reason && !p.edit_rejected_reason && !notActive) return "";
    return h("div", {},
      p.failure_reason ? h("p", { class: "reason" }, p.failure_reason) : null,
      p.missing.length
        ? [h("p", { class: "small" }, "TikTok Shop still needs:"),
          h("ul", { class: "missing", "aria-label": "Missing for " + p.title }, p.missing.map((m) => h("li", {}, m)))]
        : null,
      p.waiting_reason ? h("p", { class: "waiting" }, "Waiting for you: " + p.waiting_reason) : null,
      p.edit_rejected_reason
        ? h("p", { class: "reason" }, "Your last edit was refused (the live version still sells): " + p.edit_rejected_reason)
        : null,
      notActive
        ? h("p", { class: "waiting" }, p.shopify_status.charAt(0) + p.shopify_status.slice(1).toLowerCase() +
          " in Shopify: not for sale on TikTok Shop until it is active there")
        : null);
  }

  // TikTok's seller cancel reasons, as the API serves them with the dashboard.
  function cancelReasons() {
    return (state.dashboard && state.dashboard.cancel_reasons) || [];
  }

  function cancellable(order) {
    return !vocabulary().final_order_statuses.includes(order.status) &&
      cancelReasons().some((r) => r.statuses.includes(order.status));
  }

  function orderTable(listing) {
    const rows = listing.items.map((o) => {
      const notes = [];
      if (o.cancellation_status) notes.push("Cancellation: " + o.cancellation_status.toLowerCase().replaceAll("_", " "));
      if (o.return_status) notes.push("Return: " + o.return_status.toLowerCase().replaceAll("_", " "));
      if (o.held_for_quota) notes.push("Waiting for plan quota to sync to Shopify");
      if (o.sync_problem) notes.push("Not in Shopify: " + o.sync_problem);
      if (o.fulfilled_by_tiktok) notes.push("Fulfilled by TikTok: not a Shopify order to ship");
      if (o.unmatched_skus.length) notes.push("Items of no product here (custom lines in Shopify): " + o.unmatched_skus.join(", "));
      if (o.cancelled_in_shopify) notes.push("Cancelled in Shopify too");
      const actions = [];
      if (cancellable(o)) {
        actions.push(h("button", { type: "button", class: "danger", "data-action": "cancel-order", "data-id": o.id, "data-status": o.status }, "Cancel…"));
      }
      if (o.sync_problem) {
        actions.push(h("button", { type: "button", "data-action": "retry-order", "data-id": o.id }, "Retry in Shopify"));
      }
      return h("tr", { "data-order-id": o.id },
        cell("Order", h("strong", {}, o.id), o.created_at ? h("div", { class: "muted small" }, formatTime(o.created_at)) : null),
        cell("Status", h("span", { class: "badge s-" + o.status }, statusLabel(o.status))),
        cell("TikTok status", o.tiktok_status),
        cell("Shopify order", o.shopify_order_id || "not synced yet"),
        cell("Updated", formatTime(o.update_time)),
        cell("Notes", notes.length ? h("ul", { class: "plain" }, notes.map((n) => h("li", {}, n))) : ""),
        cell("Actions", actions.length ? actions : ""));
    });
    return h("table", {},
      h("thead", {}, h("tr", {}, ["Order", "Status", "TikTok status", "Shopify order", "Updated", "Notes", "Actions"].map((t) =>
        h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows));
  }

  // --- actions -----------------------------------------------------------------------------------
  async function withBusy(button, work) {
    if (button) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    }
    try {
      await work();
    } catch (error) {
      toast(explain(error));
    } finally {
      if (button && button.isConnected) {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      }
    }
  }

  async function startActivity(path, body, message) {
    let answer;
    try {
      answer = await api("POST", path, body);
    } catch (error) {
      if (error.code === "activity_running") { // the running one shows under Activities
        state.rendered.activities = null;
        refresh();
      }
      throw error;
    }
    toast(message + " Progress shows under Activities.");
    state.rendered.activities = null;
    await refresh();
    return answer;
  }

  const actions = {
    retry: () => refresh(),
    import: (button) => withBusy(button, () => startActivity("/v1/imports", undefined, "Import started.")),
    "open-list": (button) => openList(button.dataset.kind, button.dataset.status),
    "open-product": (button) => openList("products", button.dataset.status, button.dataset.productId),
    "sales-period": (button) => {
      state.salesDays = Number(button.dataset.days);
      for (const each of document.querySelectorAll('[data-action="sales-period"]')) {
        each.setAttribute("aria-pressed", String(each === button));
      }
      loadSales();
    },
    "sales-csv": () => exportSalesCsv(),
    "list-close": () => {
      state.listing = null;
      $("listing").hidden = true;
    },
    "list-refresh": () => loadPage(),
    "page-next": () => {
      const listing = state.listing;
      if (!listing || !listing.next) return;
      listing.cursors[listing.index + 1] = listing.next;
      listing.index += 1;
      loadPage();
    },
    "page-prev": () => {
      const listing = state.listing;
      if (!listing || listing.index === 0) return;
      listing.index -= 1;
      loadPage();
    },
    "upload-selected": (button) => withBusy(button, async () => {
      const ids = [...state.listing.selected];
      await startActivity("/v1/products/upload", { product_ids: ids }, `Uploading ${ids.length} product${ids.length === 1 ? "" : "s"}.`);
      state.listing.selected.clear();
      renderProductTools();
      loadPage();
    }),
    "upload-all": (button) => withBusy(button, () =>
      startActivity("/v1/products/upload", { all_not_uploaded: true }, "Uploading every product not uploaded yet.")),
    activate: (button) => withBusy(button, () =>
      startActivity(`/v1/products/${encodeURIComponent(button.dataset.id)}/activate`, undefined, "Activating the product.")),
    deactivate: (button) => withBusy(button, () =>
      startActivity(`/v1/products/${encodeURIComponent(button.dataset.id)}/deactivate`, undefined, "Deactivating the product.")),
    "cancel-order": (button) => openCancelDialog(button.dataset.id, button.dataset.status, button),
    "retry-order": (button) => withBusy(button, () =>
      startActivity(`/v1/orders/${encodeURIComponent(button.dataset.id)}/retry`, undefined, "Trying the order in Shopify again.")),
    "dialog-close": () => $("cancel-dialog").close(),
    "fix-listing": (button) => openFixDialog(button.dataset.id, button.dataset.title, button),
    "fix-close": () => $("fix-dialog").close(),
    "fix-upload": (button) => fixUpload(button),
    "mapping-add": () => {
      addMappingRow({ name: "", category_id: "" });
      const rows = $("category-mappings").querySelectorAll("li");
      rows[rows.length - 1].querySelector("input").focus();
    },
    "mapping-remove": (button) => {
      const row = button.closest("li");
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      numberMappingRows();
      (next ? next.querySelector("input") : form.querySelector('[data-action="mapping-add"]')).focus();
    },
    "connect-tiktok": (button) => withBusy(button, async () => {
      const region = $("seller-region").value;
      const { authorize_url: url } = await api("POST", "/v1/connections/tiktok", { seller_region: region });
      if (window.top !== window.self) {
        navigateTop(url);
        return;
      }
      // A tab of its own keeps this page polling, so it shows the connection once it is made.
      const opened = window.open(url, "_blank");
      if (opened === null) {
        navigateTop(url); // pop-ups blocked: go there in this window instead
        return;
      }
      opened.opener = null;
      toast("Finish in the TikTok Shop tab; this page updates by itself.");
    }),
    "choose-tiktok-shop": (button) => withBusy(button, async () => {
      const linked = await api("POST", "/v1/connections/tiktok/shop", { tiktok_shop_id: button.dataset.id });
      $("connection-choice").hidden = true;
      toast(`TikTok shop ${linked.tiktok_shop_name} is connected.`);
      refresh();
    }),
    "open-settings": () => {
      $("settings").scrollIntoView({ behavior: "smooth", block: "start" });
      $("settings").focus({ preventScroll: true });
    },
    upgrade: (button) => withBusy(button, async () => {
      const { confirmation_url: url } = await api("POST", "/v1/plan/upgrade", { plan: button.dataset.plan });
      toast("Opening Shopify's confirmation page…");
      navigateTop(url);
    }),
  };

  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-action]");
    if (!target || target.tagName === "INPUT") return;
    const action = actions[target.dataset.action];
    if (!action) return;
    event.preventDefault();
    action(target);
  });

  document.addEventListener("change", (event) => {
    const box = event.target;
    if (box.dataset.action !== "select" || !state.listing) return;
    if (box.checked) state.listing.selected.add(box.dataset.id);
    else state.listing.selected.delete(box.dataset.id);
    renderProductTools();
  });

  // --- cancel dialog -----------------------------------------------------------------------------
  let cancelling = null;
  function openCancelDialog(orderId, status, opener) {
    cancelling = { orderId, opener };
    $("cancel-order-text").textContent = `Order ${orderId} (${statusLabel(status)}) will be cancelled on TikTok Shop.`;
    const reasons = cancelReasons().filter((r) => r.statuses.includes(status));
    replaceChildren($("cancel-reason"), h("option", { value: "" }, "Choose a reason…"),
      reasons.map((r) => h("option", { value: r.id }, r.label)));
    $("cancel-error").hidden = true;
    $("cancel-dialog").showModal();
    $("cancel-reason").focus();
  }

  $("cancel-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = $("cancel-reason").value;
    const error = $("cancel-error");
    if (!reason) {
      error.textContent = "Choose the reason TikTok will show the buyer.";
      error.hidden = false;
      $("cancel-reason").focus();
      return;
    }
    const submit = event.target.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      await api("POST", `/v1/orders/${encodeURIComponent(cancelling.orderId)}/cancel`, { reason });
      $("cancel-dialog").close();
      toast(`Cancelling order ${cancelling.orderId}. Progress shows under Activities.`);
      refresh();
      loadPage();
    } catch (failure) {
      error.textContent = explain(failure);
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });

  $("cancel-dialog").addEventListener("close", () => {
    if (cancelling && cancelling.opener && cancelling.opener.isConnected) cancelling.opener.focus();
  });

  // --- fix listing dialog ------------------------------------------------------------------------
  // One product's TikTok listing: its category, the category's attributes, the package size. Each
  // save replaces every choice, so the form always sends back all it shows.
  let fixing = null;
  const digits = /^\d{1,40}$/;
  const DIMENSIONS = [["length_cm", "Length (cm)"], ["width_cm", "Width (cm)"], ["height_cm", "Height (cm)"]];

  async function openFixDialog(productId, title, opener) {
    fixing = { productId, title, opener, listing: null };
    $("fix-product").textContent = `${title} (#${productId})`;
    replaceChildren($("fix-fields"), h("p", { class: "muted" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Loading…"));
    replaceChildren($("fix-missing"));
    showFixError(null);
    $("fix-save").disabled = true;
    $("fix-dialog").showModal();
    $("fix-title").focus();
    const current = fixing;
    try {
      const listing = await api("GET", `/v1/products/${encodeURIComponent(productId)}/listing`);
      if (fixing !== current) return;
      showListing(listing);
      $("fix-save").disabled = false;
      const first = $("fix-fields").querySelector("input, select");
      if (first) first.focus();
    } catch (error) {
      if (fixing !== current) return;
      replaceChildren($("fix-fields"));
      showFixError("The listing could not load: " + explain(error));
    }
  }

  function showFixError(message) {
    const box = $("fix-error");
    box.hidden = !message;
    box.textContent = message || "";
  }

  function showListing(listing) {
    fixing.listing = listing;
    replaceChildren($("fix-fields"),
      h("label", { class: "stacked" }, "TikTok category id",
        h("input", { name: "category_id", type: "text", inputmode: "numeric", value: listing.category_id || "",
          "aria-describedby": "fix-category-help" })),
      h("p", { class: "help", id: "fix-category-help" },
        "Digits. A new category brings its own attributes: save, then fill them in."),
      listing.attributes.length
        ? h("fieldset", {}, h("legend", {}, "Product attributes"), listing.attributes.map(attributeControl))
        : null,
      dimensionsControl(listing));
    renderMissing(listing.missing);
  }

  // What the listing sends for an attribute: the merchant's values, else those Shopify fills in.
  function shownValues(attribute) {
    return attribute.chosen.length ? attribute.chosen : attribute.from_shopify;
  }

  function attributeControl(attribute) {
    const shown = shownValues(attribute);
    const chosenIds = new Set(shown.filter((c) => c.value_id).map((c) => c.value_id));
    const ownText = shown.filter((c) => c.value_name).map((c) => c.value_name).join("; ");
    const mark = attribute.required ? h("span", { class: "required" }, " (required)") : null;
    const select = h("select", {
      "data-attribute-id": attribute.id,
      multiple: attribute.multiple,
      "aria-required": attribute.required ? "true" : null,
    },
    attribute.multiple ? null : h("option", { value: "" }, "Choose…"),
    attribute.values.map((v) => h("option", { value: v.id, selected: chosenIds.has(v.id) }, v.name)));
    const own = attribute.customizable
      ? h("label", { class: "stacked" }, `${attribute.name}: your own value` + (attribute.multiple ? "s (separate with ;)" : ""),
        h("input", { type: "text", "data-own-value": attribute.id, value: ownText, maxlength: 2000 }))
      : null;
    return h("div", { class: "attribute" },
      h("label", { class: "stacked" }, h("span", {}, attribute.name, mark), select),
      attribute.multiple ? h("p", { class: "help" }, "Hold Ctrl (⌘ on a Mac) to choose several.") : null,
      own);
  }

  function dimensionsControl(listing) {
    const shopDefault = state.settings && state.settings.package_dimensions;
    const required = listing.package_dimensions_required && !shopDefault;
    const own = listing.package_dimensions || {};
    return h("fieldset", {},
      h("legend", {}, "Package size", required ? h("span", { class: "required" }, " (required)") : null),
      h("div", { class: "row" }, DIMENSIONS.map(([key, label]) =>
        h("label", {}, label, h("input", { type: "text", inputmode: "numeric", "data-dimension": key,
          value: own[key] === undefined ? "" : String(own[key]), "aria-required": required ? "true" : null })))),
      h("p", { class: "help" }, shopDefault
        ? `Empty: the shop's default, ${shopDefault.length_cm} × ${shopDefault.width_cm} × ${shopDefault.height_cm} cm.`
        : "Whole centimetres from 1 to 1000, all three or none."));
  }

  function renderMissing(missing) {
    replaceChildren($("fix-missing"), missing.length
      ? [h("p", {}, h("strong", {}, "Still missing:")), h("ul", { class: "missing" }, missing.map((m) => h("li", {}, m)))]
      : h("p", { class: "ready" }, "Ready to upload"));
  }

  // The PUT body from the form, or the first problem the API would refuse it for.
  function listingChoices() {
    const fields = $("fix-fields");
    const category = fields.querySelector('[name="category_id"]');
    const categoryId = category.value.trim();
    if (categoryId && !digits.test(categoryId)) return [category, "The category id is digits only."];
    const body = { attributes: [] };
    // Kept as the merchant's choice only when it is one: a mapped or recommended category shown
    // unchanged stays what it is, and follows the mapping or TikTok's recommendation.
    const sameCategory = !categoryId || categoryId === fixing.listing.category_id;
    if (categoryId && (!sameCategory || fixing.listing.category_source === "chosen")) body.category_id = categoryId;
    // Attributes belong to a category: a new one starts with none chosen.
    for (const attribute of sameCategory ? fixing.listing.attributes : []) {
      const select = fields.querySelector(`select[data-attribute-id="${attribute.id}"]`);
      const values = [...select.selectedOptions].filter((o) => o.value).map((o) => ({ value_id: o.value }));
      const ownInput = fields.querySelector(`input[data-own-value="${attribute.id}"]`);
      const text = ownInput ? ownInput.value : "";
      const own = (attribute.multiple ? text.split(";") : [text]).map((t) => t.trim()).filter(Boolean);
      values.push(...own.map((name) => ({ value_name: name })));
      if (values.length > 1 && !attribute.multiple) {
        return [ownInput || select, `${attribute.name} takes one value: choose a listed one or type your own.`];
      }
      // Shopify's own values shown unchanged are not made the merchant's: they follow Shopify.
      const fromShopify = !attribute.chosen.length && JSON.stringify(values) === JSON.stringify(
        attribute.from_shopify.map((v) => (v.value_id ? { value_id: v.value_id } : { value_name: v.value_name })));
      if (values.length && !fromShopify) body.attributes.push({ attribute_id: attribute.id, values });
    }
    const inputs = DIMENSIONS.map(([key]) => fields.querySelector(`[data-dimension="${key}"]`));
    const problem = dimensionsProblem(inputs);
    if (problem) return problem;
    if (inputs.every((i) => i.value.trim())) {
      body.package_dimensions = Object.fromEntries(DIMENSIONS.map(([key], i) => [key, Number(inputs[i].value.trim())]));
    }
    return body;
  }

  // All three whole numbers from 1 to 1000, or none: [field, message] of the first problem.
  function dimensionsProblem(inputs) {
    const filled = inputs.filter((i) => i.value.trim());
    if (filled.length === 0) return null;
    if (filled.length < inputs.length) {
      return [inputs.find((i) => !i.value.trim()), "Give the package's length, width and height, or none of them."];
    }
    const wrong = inputs.find((i) => !/^\d+$/.test(i.value.trim()) || Number(i.value) < 1 || Number(i.value) > 1000);
    return wrong ? [wrong, "A package size is a whole number of centimetres from 1 to 1000."] : null;
  }

  $("fix-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!fixing || !fixing.listing) return;
    const body = listingChoices();
    for (const el of $("fix-fields").querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    if (Array.isArray(body)) {
      body[0].setAttribute("aria-invalid", "true");
      showFixError(body[1]);
      body[0].focus();
      return;
    }
    const current = fixing;
    const save = $("fix-save");
    save.disabled = true;
    showFixError(null);
    try {
      const listing = await api("PUT", `/v1/products/${encodeURIComponent(current.productId)}/listing`, body);
      current.changed = true;
      if (fixing !== current) return;
      showListing(listing);
    } catch (error) {
      if (fixing === current) showFixError(explain(error));
    } finally {
      save.disabled = false;
    }
  });

  // A refusal is shown in the dialog: a toast would sit under the modal's backdrop.
  async function fixUpload(button) {
    if (!fixing) return;
    const { productId, title } = fixing;
    button.disabled = true;
    showFixError(null);
    try {
      await startActivity("/v1/products/upload", { product_ids: [productId] }, `Uploading ${title} again.`);
      fixing.changed = true;
      $("fix-dialog").close();
    } catch (error) {
      showFixError("The upload could not start: " + explain(error));
    } finally {
      button.disabled = false;
    }
  }

  // Back to where the merchant was; a list the dialog changed (choices saved, an upload started) is
  // read again, and focus goes to the same product's button in it.
  $("fix-dialog").addEventListener("close", () => {
    const closed = fixing;
    fixing = null;
    if (!closed) return;
    if (closed.changed && state.listing) loadPage().then(() => focusInList(closed.productId));
    else if (closed.opener.isConnected) closed.opener.focus();
    else focusInList(closed.productId);
  });

  function focusInList(productId) {
    if (!state.listing) return;
    const again = document.querySelector(`#listing [data-action="fix-listing"][data-id="${CSS.escape(productId)}"]`);
    (again || $("listing-title")).focus();
  }

  // --- settings ----------------------------------------------------------------------------------
  const form = $("settings-form");

  async function loadSettings() {
    state.settingsLoaded = true;
    try {
      fillSettings(await api("GET", "/v1/settings"));
    } catch (error) {
      state.settingsLoaded = false;
      $("settings-status").textContent = "Settings could not load: " + explain(error);
    }
  }

  function fillSettings(s) {
    state.settings = s;
    const warehouse = $("settings-warehouse");
    replaceChildren(warehouse, h("option", { value: "" }, "The shop's default warehouse"),
      s.warehouses.map((w) => h("option", { value: w.id }, w.name + (w.is_default ? " (default)" : ""))));
    warehouse.value = s.warehouse_id || "";
    form.elements.orders_since.value = s.orders_since || "";
    form.elements.orders_since.max = new Date().toISOString().slice(0, 10);
    fillLocations(s);
    const size = s.package_dimensions || {};
    form.elements.package_length.value = size.length_cm === undefined ? "" : String(size.length_cm);
    form.elements.package_width.value = size.width_cm === undefined ? "" : String(size.width_cm);
    form.elements.package_height.value = size.height_cm === undefined ? "" : String(size.height_cm);
    replaceChildren($("category-mappings"));
    for (const mapping of s.category_mappings) addMappingRow(mapping);
    for (const box of form.elements.sync_fields) box.checked = s.sync_fields.includes(box.value);
    form.elements.price_kind.value = s.price_rule.kind;
    form.elements.price_direction.value = s.price_rule.direction;
    form.elements.price_value.value = s.price_rule.value;
    form.elements.buffer_kind.value = s.inventory_buffer.kind;
    form.elements.buffer_value.value = String(s.inventory_buffer.value);
    form.elements.auto_upload.checked = s.auto_upload;
  }

  // One warehouse choice per Shopify location. No mapping saved means the default (the locations
  // that fulfil online orders, into the listing warehouse), shown as such.
  const DEFAULT_WAREHOUSE = "default";
  function fillLocations(s) {
    const mapped = new Map(s.location_warehouses.map((m) => [m.location_id, m.warehouse_id]));
    replaceChildren($("location-warehouses"), s.locations.map((location) => {
      const chosen = s.location_warehouses.length
        ? mapped.get(location.id) || ""
        : (location.fulfills_online_orders ? DEFAULT_WAREHOUSE : "");
      const select = h("select", { "data-location": location.id, "aria-label": `TikTok warehouse for ${location.name}` },
        h("option", { value: "" }, "Not sent to TikTok Shop"),
        h("option", { value: DEFAULT_WAREHOUSE }, "The warehouse above"),
        s.warehouses.map((w) => h("option", { value: w.id }, w.name)));
      select.value = chosen;
      return h("li", { class: "mapping" }, h("span", {}, location.name), h("span", { "aria-hidden": "true" }, "→"), select);
    }));
  }

  // Sent as an explicit list only when it differs from the default, so the default keeps following
  // the warehouse choice and the locations' online fulfilment.
  function locationWarehouses() {
    const s = state.settings;
    const listing = form.elements.warehouse_id.value || (s.warehouses.find((w) => w.is_default) || {}).id;
    const rows = [...$("location-warehouses").querySelectorAll("select")].map((select) => ({
      location: s.locations.find((l) => l.id === select.dataset.location),
      value: select.value,
    }));
    const isDefault = rows.every(({ location, value }) => (value === DEFAULT_WAREHOUSE) === location.fulfills_online_orders
      && (value === DEFAULT_WAREHOUSE || value === ""));
    if (isDefault) return [];
    return rows
      .map(({ location, value }) => ({ location_id: location.id, warehouse_id: value === DEFAULT_WAREHOUSE ? listing : value }))
      .filter((mapping) => mapping.warehouse_id);
  }

  function addMappingRow(mapping) {
    $("category-mappings").append(h("li", { class: "mapping" },
      h("input", { type: "text", "data-mapping": "name", value: mapping.name, maxlength: 255, placeholder: "Shopify product type" }),
      h("span", { "aria-hidden": "true" }, "→"),
      h("input", { type: "text", "data-mapping": "category_id", inputmode: "numeric", value: mapping.category_id, placeholder: "TikTok category id" }),
      h("button", { type: "button", "data-action": "mapping-remove" }, "Remove")));
    numberMappingRows();
  }

  // Each row's fields are named by its number, so a screen reader tells the rows apart.
  function numberMappingRows() {
    $("category-mappings").querySelectorAll("li").forEach((row, i) => {
      row.querySelector('[data-mapping="name"]').setAttribute("aria-label", `Shopify product type ${i + 1}`);
      row.querySelector('[data-mapping="category_id"]').setAttribute("aria-label", `TikTok category id ${i + 1}`);
      row.querySelector("button").setAttribute("aria-label", `Remove category mapping ${i + 1}`);
    });
  }

  // Rows left wholly empty are dropped; a half-filled one is a problem to fix.
  function categoryMappings(problems) {
    const mappings = [];
    const seen = new Set();
    for (const row of $("category-mappings").querySelectorAll("li")) {
      const name = row.querySelector('[data-mapping="name"]');
      const category = row.querySelector('[data-mapping="category_id"]');
      const [n, c] = [name.value.trim(), category.value.trim()];
      if (!n && !c) continue;
      if (!n) problems.push([name, "Each category mapping needs its Shopify product type."]);
      else if (seen.has(n.toLowerCase())) problems.push([name, `“${n}” is mapped twice.`]);
      else if (!digits.test(c)) problems.push([category, `The TikTok category id for “${n}” is digits only.`]);
      seen.add(n.toLowerCase());
      mappings.push({ name: n, category_id: c });
    }
    return mappings;
  }

  function packageFields() {
    const f = form.elements;
    return [f.package_length, f.package_width, f.package_height];
  }

  // The API's own rules, checked here first so the merchant hears about them before a round trip.
  function validateSettings() {
    const problems = [];
    const f = form.elements;
    const price = f.price_value.value.trim();
    if (!/^\d+(\.\d{1,2})?$/.test(price) || Number(price) > 10000) {
      problems.push([f.price_value, "The price change must be a number from 0 to 10000 with at most two decimals."]);
    } else if (f.price_kind.value === "percent" && f.price_direction.value === "down" && Number(price) >= 100) {
      problems.push([f.price_value, "A percent discount must stay below 100."]);
    }
    const buffer = f.buffer_value.value.trim();
    if (!/^\d+$/.test(buffer) || Number(buffer) > 100000) {
      problems.push([f.buffer_value, "The stock buffer must be a whole number from 0 to 100000."]);
    } else if (f.buffer_kind.value === "percent" && Number(buffer) > 100) {
      problems.push([f.buffer_value, "A percent buffer is at most 100."]);
    }
    const size = dimensionsProblem(packageFields());
    if (size) problems.push(size);
    categoryMappings(problems);
    return problems;
  }

  function showSettingsErrors(messages, fields) {
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    const box = $("settings-errors");
    if (!messages.length) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    for (const field of fields) field.setAttribute("aria-invalid", "true");
    replaceChildren(box, h("p", {}, "Please fix:"), h("ul", {}, messages.map((m) => h("li", {}, m))));
    box.hidden = false;
    if (fields.length) fields[0].focus();
  }

  // An earlier start of the order sync, with how many orders it would bring, before it is saved.
  form.elements.orders_since.addEventListener("change", async () => {
    const since = form.elements.orders_since.value;
    const help = $("orders-since-help");
    if (!since || (state.settings && since >= (state.settings.orders_since || ""))) {
      help.textContent = "Orders created on TikTok Shop from this day on become Shopify orders (each uses a unit of your plan).";
      return;
    }
    try {
      const history = await api("GET", `/v1/orders/history?since=${encodeURIComponent(since)}`);
      help.textContent = `Saving brings ${history.orders} earlier TikTok Shop order${history.orders === 1 ? "" : "s"} into Shopify (each uses a unit of your plan).`;
    } catch (error) {
      help.textContent = explain(error);
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = validateSettings();
    showSettingsErrors(problems.map((p) => p[1]), problems.map((p) => p[0]));
    if (problems.length) return;
    const f = form.elements;
    const body = {
      sync_fields: [...f.sync_fields].filter((b) => b.checked).map((b) => b.value),
      price_rule: { kind: f.price_kind.value, direction: f.price_direction.value, value: f.price_value.value.trim() },
      inventory_buffer: { kind: f.buffer_kind.value, value: Number(f.buffer_value.value.trim()) },
      auto_upload: f.auto_upload.checked,
      // Read-only answers (the warehouses and locations to choose from) are never sent back: the API
      // refuses them.
      warehouse_id: f.warehouse_id.value || null,
      package_dimensions: packageFields().every((i) => i.value.trim())
        ? { length_cm: Number(f.package_length.value), width_cm: Number(f.package_width.value), height_cm: Number(f.package_height.value) }
        : null,
      category_mappings: categoryMappings([]),
      location_warehouses: locationWarehouses(),
      orders_since: f.orders_since.value || null,
    };
    const status = $("settings-status");
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    status.textContent = "Saving…";
    try {
      fillSettings(await api("PUT", "/v1/settings", body));
      status.textContent = "Saved.";
      markSettingsReviewed();
    } catch (error) {
      status.textContent = "";
      showSettingsErrors([explain(error)], []);
    } finally {
      submit.disabled = false;
    }
  });

  finishTikTokConnection();
  refresh();
})();
