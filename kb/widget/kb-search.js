// <kb-search>: kb's search box as a dependency-free web component (shadow DOM, WAI-ARIA 1.2 combobox).
//
//   <script src="https://kb.example/widget/kb-search.js" type="module"></script>
//   <kb-search href-template="/entries/{slug}" article-href-template="/articles/{slug}#{anchor}"></kb-search>
//
// Attributes: api (kb's API root; default: /api/v1 beside this script), href-template for entries
// ("{slug}", "{kind}" and "{locale}" are filled in; without it nothing navigates), article-href-template
// for articles ("{slug}", "{anchor}": the best matching section's, and "{locale}"; a "#" left with no
// anchor is dropped; without it articles do not navigate), label, placeholder, per-page (default 10).
// Opening a suggestion or a result dispatches a cancelable "kb-search-select" event (bubbles, composed;
// detail: {type, slug, kind, title, locale, anchor?, source: "suggestion" | "result", position,
// queryId}); unless cancelled, the page then goes to the template of its type. The language asked for is the
// nearest lang attribute (or the page's), sent as Accept-Language: kb serves the best published
// translation along its fallback chain (any tag works; one kb does not hold falls back to its default).
// Theme through CSS custom properties: --kb-search-font, --kb-search-fg, --kb-search-bg,
// --kb-search-muted, --kb-search-accent, --kb-search-border, --kb-search-radius, --kb-search-mark,
// --kb-search-focus, --kb-search-urgent, --kb-search-urgent-bg.

const STYLE = `
:host { display: block; font: var(--kb-search-font, inherit); color: var(--kb-search-fg, #1b1b1f); }
* { box-sizing: border-box; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
.box { position: relative; display: flex; gap: .5rem; }
input { flex: 1; font: inherit; padding: .5rem .75rem; color: inherit; background: var(--kb-search-bg, #fff);
  border: 1px solid var(--kb-search-border, #6b6b76); border-radius: var(--kb-search-radius, .375rem); }
button { font: inherit; cursor: pointer; color: inherit; background: var(--kb-search-bg, #fff);
  border: 1px solid var(--kb-search-border, #6b6b76); border-radius: var(--kb-search-radius, .375rem);
  padding: .4rem .75rem; }
button.primary { background: var(--kb-search-accent, #1d4ed8); border-color: var(--kb-search-accent, #1d4ed8);
  color: #fff; }
:focus-visible, [role=option].active { outline: 3px solid var(--kb-search-focus, #f59e0b); outline-offset: 2px; }
[role=listbox] { position: absolute; z-index: 10; top: 100%; left: 0; right: 0; margin: .25rem 0 0; padding: .25rem;
  list-style: none; background: var(--kb-search-bg, #fff); border: 1px solid var(--kb-search-border, #6b6b76);
  border-radius: var(--kb-search-radius, .375rem); box-shadow: 0 4px 12px rgb(0 0 0 / .15); }
[role=listbox][hidden], [hidden] { display: none; }
[role=option] { padding: .4rem .5rem; border-radius: var(--kb-search-radius, .375rem); cursor: pointer;
  display: flex; justify-content: space-between; gap: 1rem; }
[role=option].active { background: color-mix(in srgb, var(--kb-search-accent, #1d4ed8) 12%, transparent); }
.kind, .section { color: var(--kb-search-muted, #4b4b55); font-size: .85em; }
.status { margin: .75rem 0 .25rem; color: var(--kb-search-muted, #4b4b55); }
.didyoumean button { border: 0; padding: 0; background: none; color: var(--kb-search-accent, #1d4ed8);
  text-decoration: underline; }
.chips { display: flex; flex-wrap: wrap; gap: .375rem; margin: .5rem 0; }
.chips button { border-radius: 999px; padding: .2rem .7rem; font-size: .9em; }
.chips button[aria-pressed=true] { background: var(--kb-search-accent, #1d4ed8); color: #fff;
  border-color: var(--kb-search-accent, #1d4ed8); }
ol { list-style: none; margin: 0; padding: 0; }
li.hit { padding: .75rem; margin: .5rem 0; border: 1px solid var(--kb-search-border, #d4d4d8);
  border-radius: var(--kb-search-radius, .375rem); }
li.hit.urgent { border: 2px solid var(--kb-search-urgent, #b91c1c); background: var(--kb-search-urgent-bg, #fef2f2); }
.hit a { color: var(--kb-search-accent, #1d4ed8); font-weight: 600; font-size: 1.05em; }
.hit p { margin: .25rem 0 0; }
.flag { display: inline-block; margin-bottom: .25rem; padding: .1rem .5rem; border-radius: .25rem; font-weight: 700;
  background: var(--kb-search-urgent, #b91c1c); color: #fff; }
mark { background: var(--kb-search-mark, #fde68a); color: inherit; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
`;

const ACTIONS = {
  seek_care_promptly: "Seek care promptly",
  emergency: "Emergency: get help now",
  contact_practitioner: "Contact your practitioner",
};
let instances = 0;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children);
  return node;
}

/** kb's highlights are escaped HTML with <mark>: parse them inertly, keep only text and <mark>. */
function highlighted(html) {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html").body;
  const out = document.createDocumentFragment();
  for (const node of parsed.childNodes) {
    if (node.nodeType === Node.ELEMENT_NODE && node.nodeName === "MARK") out.append(el("mark", {}, node.textContent));
    else out.append(document.createTextNode(node.textContent));
  }
  return out;
}

class KbSearch extends HTMLElement {
  constructor() {
    super();
    const id = `kb-search-${++instances}`;
    this.ids = { input: `${id}-input`, listbox: `${id}-listbox`, label: `${id}-label` };
    this.suggestions = [];
    this.active = -1;
    this.filters = { kind: null, tag: null, type: null };
    this.timer = null;
    this.pending = null;
    const root = this.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    root.adoptedStyleSheets = [sheet];
    this.input = el("input", {
      id: this.ids.input, type: "search", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
      "aria-controls": this.ids.listbox, autocomplete: "off", spellcheck: "false", enterkeyhint: "search",
    });
    this.listbox = el("ul", { id: this.ids.listbox, role: "listbox", "aria-labelledby": this.ids.label, hidden: true });
    this.labelEl = el("label", { id: this.ids.label, for: this.ids.input, part: "label" });
    this.form = el("form", { role: "search", part: "form" }, this.labelEl,
      el("div", { class: "box" }, this.input, el("button", { type: "submit", class: "primary" }, "Search"), this.listbox));
    this.status = el("p", { class: "status", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    this.didYouMean = el("p", { class: "didyoumean", hidden: true });
    this.chips = el("div", { class: "chips", role: "group", "aria-label": "Filter results" });
    this.results = el("ol", { class: "results", "aria-label": "Search results" });
    root.append(this.form, this.status, this.didYouMean, this.chips, this.results);
    this.input.addEventListener("input", () => this.onInput());
    this.input.addEventListener("keydown", (event) => this.onKey(event));
    // Close when focus leaves the box, not when the window loses focus (activeElement stays then).
    this.input.addEventListener("blur", () => setTimeout(() => {
      if (this.shadowRoot.activeElement !== this.input) this.close();
    }, 150));
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.search(); });
  }

  connectedCallback() {
    this.labelEl.textContent = this.getAttribute("label") || "Search the knowledge base";
    this.input.placeholder = this.getAttribute("placeholder") || "e.g. redness, infection, sun";
  }

  get api() {
    return (this.getAttribute("api") || new URL("../api/v1", import.meta.url).href).replace(/\/+$/, "");
  }

  get locale() {
    const owner = this.closest("[lang]") || document.documentElement;
    return (owner.getAttribute("lang") || "").trim();
  }

  async get(path, params) {
    const url = new URL(`${this.api}${path}`);
    for (const [name, value] of Object.entries(params)) if (value) url.searchParams.set(name, value);
    const headers = { Accept: "application/json" };
    if (/^[A-Za-z0-9-]{1,35}$/.test(this.locale)) headers["Accept-Language"] = this.locale;
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  }

  onInput() {
    clearTimeout(this.timer);
    const text = this.input.value.trim();
    if (!text) { this.close(); return; }
    this.timer = setTimeout(() => this.suggest(text), 120);
  }

  async suggest(text) {
    const ticket = (this.pending = Symbol("suggest"));
    this.listbox.setAttribute("aria-busy", "true");
    let body;
    try { body = await this.get("/suggest", { q: text, limit: 8 }); } catch { body = null; }
    if (ticket !== this.pending) return;
    this.listbox.setAttribute("aria-busy", "false");
    if (!body || text !== this.input.value.trim()) return;
    const chosen = this.active >= 0 ? this.suggestions[this.active].slug : null;
    this.suggestions = body.data;
    this.active = this.suggestions.findIndex((item) => item.slug === chosen);
    this.listbox.replaceChildren(...this.suggestions.map((item, index) =>
      el("li", { id: `${this.ids.listbox}-${index}`, role: "option", "aria-selected": "false" },
        el("span", {}, item.title), el("span", { class: "kind" }, item.kind || item.type))));
    this.listbox.querySelectorAll("[role=option]").forEach((option, index) => {
      option.addEventListener("mousedown", (event) => event.preventDefault());
      option.addEventListener("click", () => this.choose(index));
    });
    const open = this.suggestions.length > 0;
    this.listbox.hidden = !open;
    this.input.setAttribute("aria-expanded", String(open));
    if (this.active >= 0) this.move(this.active);
    else this.input.removeAttribute("aria-activedescendant");
    this.status.textContent = open ? `${this.suggestions.length} suggestions; use the arrow keys to choose.` : "";
  }

  onKey(event) {
    const open = !this.listbox.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!this.suggestions.length) return;
      event.preventDefault();
      this.listbox.hidden = false;
      this.input.setAttribute("aria-expanded", "true");
      const step = event.key === "ArrowDown" ? 1 : -1;
      const count = this.suggestions.length;
      this.move(open ? (this.active + step + count) % count : step > 0 ? 0 : count - 1);
    } else if (event.key === "Enter" && open && this.active >= 0) {
      event.preventDefault();
      this.choose(this.active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (open) this.close();
      else { this.input.value = ""; this.status.textContent = ""; }
    }
  }

  move(index) {
    this.active = index;
    this.listbox.querySelectorAll("[role=option]").forEach((option, i) => {
      option.classList.toggle("active", i === index);
      option.setAttribute("aria-selected", String(i === index));
    });
    this.input.setAttribute("aria-activedescendant", `${this.ids.listbox}-${index}`);
  }

  close() {
    this.listbox.hidden = true;
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  choose(index) {
    const item = this.suggestions[index];
    this.close();
    this.open({ ...item, source: "suggestion", position: index + 1, queryId: null });
  }

  open(detail) {
    const event = new CustomEvent("kb-search-select", { detail, bubbles: true, composed: true, cancelable: true });
    if (this.dispatchEvent(event) && this.template(detail)) window.location.assign(this.href(detail));
  }

  template(item) {
    return this.getAttribute(item.type === "article" ? "article-href-template" : "href-template");
  }

  href(item) {
    const href = (this.template(item) || "").replaceAll("{slug}", encodeURIComponent(item.slug))
      .replaceAll("{kind}", encodeURIComponent(item.kind || "")).replaceAll("{locale}", encodeURIComponent(item.locale || ""))
      .replaceAll("{anchor}", encodeURIComponent(item.anchor || ""));
    return href.endsWith("#") ? href.slice(0, -1) : href;
  }

  async search(page = 1) {
    clearTimeout(this.timer);
    this.pending = null;
    this.listbox.setAttribute("aria-busy", "false");
    this.close();
    const q = this.input.value.trim();
    if (!q) return;
    const perPage = Number(this.getAttribute("per-page")) || 10;
    const ticket = (this.searching = Symbol("search")); // only the latest search renders
    this.results.setAttribute("aria-busy", "true");
    let body;
    try {
      const { kind, tag, type } = this.filters;
      body = await this.get("/search", { q, page, per_page: perPage, kind, tag, type });
    } catch {
      body = null;
    }
    if (ticket !== this.searching) return;
    this.results.setAttribute("aria-busy", "false");
    if (!body) {
      this.status.textContent = "Search is unavailable right now; please try again.";
      return;
    }
    this.render(q, body, perPage);
  }

  render(q, body, perPage) {
    const { total, suggestion, query_id: queryId, page } = body.meta;
    this.status.textContent = `${total} ${total === 1 ? "result" : "results"} for “${q}”`;
    this.didYouMean.hidden = !suggestion;
    if (suggestion) {
      const retry = el("button", { type: "button" }, suggestion);
      retry.addEventListener("click", () => { this.input.value = suggestion; this.search(); });
      this.didYouMean.replaceChildren("Did you mean ", retry, "?");
    }
    this.renderChips(body.facets);
    this.results.replaceChildren(...body.data.map((hit, index) => {
      const position = (page - 1) * perPage + index + 1;
      const chosen = { type: hit.type, slug: hit.slug, kind: hit.kind, title: hit.title, locale: hit.locale };
      if (hit.section) chosen.anchor = hit.section.anchor;
      const title = el("a", { href: this.template(chosen) ? this.href(chosen) : "#" }, highlighted(hit.highlights.title));
      title.addEventListener("click", (event) => {
        event.preventDefault();
        this.click(queryId, hit.slug, position);
        this.open({ ...chosen, source: "result", position, queryId });
      });
      const snippet = hit.highlights.summary || hit.highlights.details || hit.highlights.body;
      const item = el("li", { class: hit.urgent ? "hit urgent" : "hit" });
      if (hit.urgent) item.append(el("strong", { class: "flag" }, ACTIONS[hit.action] || "Urgent: seek care"), el("br"));
      item.append(title, " ", el("span", { class: "kind" }, hit.kind || hit.type));
      if (hit.section) item.append(el("span", { class: "section" }, ` \u00a7 ${hit.section.heading}`));
      item.append(el("p", {}, snippet ? highlighted(snippet) : document.createTextNode(hit.summary)));
      return item;
    }));
  }

  renderChips(facets) {
    const chip = (facet, value, count) => {
      const pressed = this.filters[facet] === value;
      const button = el("button", { type: "button", "aria-pressed": String(pressed), "data-facet": facet, "data-value": value },
        `${facet === "tag" ? "#" : ""}${value} (${count})`);
      button.addEventListener("click", () => { this.filters[facet] = pressed ? null : value; this.search(); });
      return button;
    };
    const types = Object.entries(facets.type || {}).map(([value, count]) => chip("type", value, count));
    const kinds = Object.entries(facets.kind || {}).map(([value, count]) => chip("kind", value, count));
    const tags = Object.entries(facets.tags || {}).slice(0, 8).map(([value, count]) => chip("tag", value, count));
    this.chips.replaceChildren(...(types.length > 1 || this.filters.type ? types : []), ...kinds, ...tags);
  }

  click(queryId, slug, position) {
    if (!queryId) return;
    fetch(`${this.api}/search/events`, {
      method: "POST", keepalive: true, headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query_id: queryId, slug, position }),
    }).catch(() => undefined);
  }
}

if (!customElements.get("kb-search")) customElements.define("kb-search", KbSearch);
export { KbSearch };
