// The demo's InstantSearch.js page: loads the library from the configured URL (KB_WIDGET_INSTANTSEARCH_URL)
// and points its searchClient at kb. No inline script, so the page runs under a strict CSP.
const app = document.getElementById("is-app");
const status = document.getElementById("is-status");

function load(src) {
  return new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement("script"), { src, async: true });
    script.addEventListener("load", resolve);
    script.addEventListener("error", () => reject(new Error(`could not load ${src}`)));
    document.head.append(script);
  });
}

async function start() {
  const [{ kbSearchClient, kbClickEvent }] = await Promise.all([import(app.dataset.client), load(app.dataset.library)]);
  const { instantsearch } = window;
  const { searchBox, hits, refinementList, pagination, stats, configure } = instantsearch.widgets;
  const api = app.dataset.api;
  const locale = document.documentElement.lang;
  const search = instantsearch({ indexName: "kb", searchClient: kbSearchClient(api, { locale }) });
  search.addWidgets([
    configure({ hitsPerPage: 5 }),
    searchBox({ container: "#is-searchbox", placeholder: "Search with InstantSearch.js", showLoadingIndicator: false }),
    stats({ container: "#is-stats" }),
    refinementList({ container: "#is-kind", attribute: "kind" }),
    refinementList({ container: "#is-tags", attribute: "tags", limit: 8, searchable: true,
      searchablePlaceholder: "Find a tag" }),
    hits({
      container: "#is-hits",
      templates: {
        item: (hit, { html, components }) => html`
          <article class="${hit.urgent ? "urgent" : ""}">
            ${hit.urgent ? html`<strong class="flag">Seek care promptly</strong><br>` : ""}
            <a href="${api}/${hit.type === "article" ? "articles" : "entries"}/${encodeURIComponent(hit.slug)}${hit.section ? `#${hit.section.anchor}` : ""}" data-slug="${hit.slug}"
               data-position="${hit.__position}" data-query-id="${hit.__queryID || ""}">${components.Highlight({ hit, attribute: "title" })}</a>
            <span class="kind">${hit.kind || hit.type}</span>
            <p>${components.Highlight({ hit, attribute: "summary" })}</p>
          </article>`,
      },
    }),
    pagination({ container: "#is-pagination" }),
  ]);
  document.getElementById("is-hits").addEventListener("click", (event) => {
    const link = event.target.closest("a[data-query-id]");
    if (link && link.dataset.queryId) {
      const { queryId, slug, position } = link.dataset;
      kbClickEvent(api, { queryID: queryId, objectID: slug, position: Number(position) });
    }
  });
  search.start();
  document.querySelector("#is-searchbox input")?.setAttribute("aria-label", "Search with InstantSearch.js");
  for (const [id, heading] of [["is-kind", "is-kind-heading"], ["is-tags", "is-tags-heading"]]) {
    document.getElementById(id).setAttribute("role", "group");
    document.getElementById(id).setAttribute("aria-labelledby", heading);
  }
  app.dataset.ready = "true";
}

start().catch((error) => {
  status.textContent = `InstantSearch.js is not available here (${error.message}); kb's own widget above still works.`;
  app.dataset.ready = "error";
});
