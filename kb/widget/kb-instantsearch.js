// kb's search client for InstantSearch.js: instantsearch({indexName: "kb", searchClient: kbSearchClient(url)}).
// No build step, no dependency. baseUrl is kb's API root, e.g. "https://kb.example/api/v1".

/**
 * @param {string} baseUrl kb's API root (ends in /api/v1)
 * @param {{locale?: string, headers?: Record<string, string>}} [options]
 */
export function kbSearchClient(baseUrl, options = {}) {
  const root = String(baseUrl).replace(/\/+$/, "");
  const suffix = options.locale ? `?locale=${encodeURIComponent(options.locale)}` : "";

  async function post(path, requests) {
    const body = {
      requests: requests.map((request) => ({
        indexName: request.indexName || "kb",
        params: { ...(request.query !== undefined ? { query: request.query } : {}), ...(request.params || {}) },
      })),
    };
    const response = await fetch(`${root}${path}${suffix}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", ...(options.headers || {}) },
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = answer && answer.detail ? `${answer.detail} ${JSON.stringify(answer.errors || {})}` : "";
      const error = new Error(detail || `kb search failed with HTTP ${response.status}`);
      error.status = response.status;
      error.problem = answer;
      throw error;
    }
    return answer;
  }

  return {
    /** InstantSearch's multi-search: resolves to {results: [...]} in Algolia's shape. */
    search: (requests) => post("/search/multi", requests),
    /** Facet values matching a prefix: resolves to [{facetHits, exhaustiveFacetsCount, processingTimeMS}]. */
    searchForFacetValues: (requests) => post("/search/multi/facet-values", requests).then((a) => a.results),
    /** InstantSearch calls this on refresh(); kb keeps no client-side cache. */
    clearCache: () => Promise.resolve(),
  };
}

/** Tell kb a hit was clicked (search analytics); never throws. */
export function kbClickEvent(baseUrl, { queryID, objectID, position }) {
  const root = String(baseUrl).replace(/\/+$/, "");
  return fetch(`${root}/search/events`, {
    method: "POST",
    keepalive: true,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query_id: queryID, slug: objectID, position }),
  }).catch(() => undefined);
}
