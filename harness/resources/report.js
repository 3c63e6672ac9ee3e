// harness report: builds the page from the embedded JSON. Every value goes in as a text node or
// an attribute set through the DOM (HarnessDOM.h from dom.js, joined before this script; never
// parsed as markup); documents render one at a time.
"use strict";
(function () {
  const { h } = HarnessDOM;
  const DATA = HarnessDOM.data("report-data");
  const RUNS = DATA.runs, FIELDS = DATA.fields, DOCS = DATA.docs;
  const BY_ID = new Map(DOCS.map((d, i) => [d.id, i]));
  const PAGE = 50;
  const WORD = /\p{Nd}+(?:[.,]\p{Nd}+)*|\p{L}+/gu; // the tokenizer's words (harness.text)
  const app = document.getElementById("app");

  const fmt = (v) => (v === null || v === undefined ? "–" : Number.isInteger(v) ? String(v) : v.toFixed(4));

  // ---- per-document measures (what the list sorts and filters by) ----
  const judgedField = (name) => FIELDS.findIndex((f) => f.key === `${DATA.judged}/${name}`);
  const SUPPORT = DATA.judged ? judgedField("score") : -1;
  function bulletsUnsupported(doc, r) {
    const m = doc.models[r];
    return m ? m.bullets.filter((b) => b.supported === false).length : null;
  }
  function mean(xs) {
    const ok = xs.filter((x) => x !== null && x !== undefined);
    return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : null;
  }
  const rankCache = new Map(); // "field:run" -> percentile rank per document (for metric disagreement)
  function percentiles(f, r) {
    const key = `${f}:${r}`;
    if (!rankCache.has(key)) {
      const order = DOCS.map((d, i) => [d.values[r][f], i]).filter((x) => x[0] !== null).sort((a, b) => a[0] - b[0]);
      const out = new Array(DOCS.length).fill(null);
      order.forEach(([, i], k) => (out[i] = order.length > 1 ? k / (order.length - 1) : 0.5));
      rankCache.set(key, out);
    }
    return rankCache.get(key);
  }
  // A measure: id, label and a function of (doc, index).
  function measures() {
    const out = [{ id: "order", label: "document order", of: (d, i) => i }];
    if (DATA.judged) {
      out.push({ id: "support-mean", label: `mean ${DATA.judged} score over models (least supported first: ascending)`,
        of: (d) => (SUPPORT >= 0 ? mean(RUNS.map((_, r) => d.values[r][SUPPORT])) : null) });
      out.push({ id: "unsupported-all", label: "unsupported bullets, all models", of: (d) => RUNS.reduce((a, _, r) => a + (bulletsUnsupported(d, r) || 0), 0) });
      RUNS.forEach((run, r) => out.push({ id: `unsupported-${r}`, label: `unsupported bullets · ${run.label}`, of: (d) => bulletsUnsupported(d, r) }));
    }
    out.push({ id: "model-gap", label: "disagreement between models A and B (|A − B| on the metric)", of: (d) => {
      const a = d.values[state.gapA][state.gapField], b = d.values[state.gapB][state.gapField];
      return a === null || b === null ? null : Math.abs(a - b);
    } });
    out.push({ id: "metric-gap", label: "disagreement between metrics X and Y (percentile of X − percentile of Y, for the model)", of: (d, i) => {
      const x = percentiles(state.gapX, state.gapModel)[i], y = percentiles(state.gapY, state.gapModel)[i];
      return x === null || y === null ? null : x - y;
    } });
    FIELDS.forEach((f, k) => RUNS.forEach((run, r) => out.push({ id: `f${k}-${r}`, label: `${f.key} · ${run.label}`, of: (d) => d.values[r][k] })));
    return out;
  }
  const state = { q: "", sort: "order", desc: false, where: "order", min: "", max: "", page: 0,
    gapA: 0, gapB: Math.min(1, RUNS.length - 1), gapField: Math.max(0, FIELDS.findIndex((f) => f.headline)),
    gapModel: 0, gapX: Math.max(0, FIELDS.findIndex((f) => f.headline)), gapY: Math.max(0, SUPPORT), sideA: -1, sideB: -1 };
  const MEASURES = measures();
  const measure = (id) => MEASURES.find((m) => m.id === id) || MEASURES[0];

  let haystacks = null; // lowercased text of every document, built on the first search
  function matches(doc, i, q) {
    if (!q) return true;
    if (!haystacks) haystacks = DOCS.map((d) => [d.id, ...d.source, ...d.models.flatMap((m) => (m ? m.bullets.map((b) => b.text) : []))].join("\n").toLowerCase());
    return haystacks[i].includes(q);
  }
  function selected() {
    const q = state.q.trim().toLowerCase();
    const where = measure(state.where), lo = state.min === "" ? null : Number(state.min), hi = state.max === "" ? null : Number(state.max);
    const sortBy = measure(state.sort);
    const rows = [];
    DOCS.forEach((d, i) => {
      if (!matches(d, i, q)) return;
      if (lo !== null || hi !== null) {
        const v = where.of(d, i);
        if (v === null || (lo !== null && v < lo) || (hi !== null && v > hi)) return;
      }
      rows.push({ i, key: sortBy.of(d, i), shown: where.id === "order" ? null : where.of(d, i) });
    });
    const sign = state.desc ? -1 : 1;
    rows.sort((a, b) => (a.key === null) - (b.key === null) || (a.key === null ? 0 : sign * (a.key - b.key)) || a.i - b.i);
    return rows;
  }

  // ---- overview ----
  function sortableHeader(label, sortState, onSort) {
    return h("th", { scope: "col", "aria-sort": sortState }, h("button", { type: "button", onclick: onSort }, label));
  }
  function overview() {
    const c = DATA.comparison;
    const sec = h("section", { id: "overview", "aria-labelledby": "overview-h" }, h("h2", { id: "overview-h" }, "Comparison"));
    const table = h("table", { id: "comparison" });
    let sortCol = -1, sortDesc = false;
    function draw() {
      const rows = c.rows.map((r, i) => ({ r, i }));
      if (sortCol >= 0) rows.sort((a, b) => {
        const x = a.r.cells[sortCol].mean, y = b.r.cells[sortCol].mean;
        return (x === null) - (y === null) || (sortDesc ? y - x : x - y) || a.i - b.i;
      });
      const head = h("tr", {}, h("th", { scope: "col" }, "model"), h("th", { scope: "col" }, "n"),
        c.columns.map((col, k) => sortableHeader(col.key, k === sortCol ? (sortDesc ? "descending" : "ascending") : "none", () => {
          sortDesc = sortCol === k ? !sortDesc : col.higher_is_better !== false;
          sortCol = k; draw(); table.querySelectorAll("th button")[k + 1].focus();
        })));
      table.replaceChildren(h("thead", {}, head), h("tbody", {}, rows.map(({ r }) => h("tr", {},
        h("th", { scope: "row" }, r.baseline ? `${r.label} (baseline)` : r.label), h("td", { class: "num" }, String(c.documents)),
        r.cells.map((cell) => h("td", { class: "num" }, cell.best ? h("b", {}, cell.text) : cell.text, cell.mark ? h("sup", {}, " " + cell.mark) : null))))));
    }
    draw();
    sec.append(table, h("ol", { class: "meta" }, c.notes.map((n) => h("li", {}, n))));
    const rk = DATA.ranking; // the pairwise judge's Bradley-Terry ranking of these runs (harness pairwise)
    if (rk && (rk.rows.length || rk.notes.length)) {
      sec.append(h("h3", { id: "ranking-h" }, rk.title));
      if (rk.rows.length) {
        sec.append(h("table", { id: "ranking", "aria-labelledby": "ranking-h" }, h("thead", {}, h("tr", {}, rk.header.map((x) => h("th", { scope: "col" }, x)))),
          h("tbody", {}, rk.rows.map((row) => h("tr", {}, h("td", { class: "num" }, row[0]), h("th", { scope: "row" }, row[1]), row.slice(2).map((x, k) => h("td", { class: k === 3 ? null : "num" }, x)))))),
        h("p", { class: "meta" }, rk.source));
      }
      sec.append(h("ul", { class: "meta", id: "ranking-notes" }, rk.notes.map((n) => h("li", {}, n))));
    }
    if (c.judge && c.judge.rows.length) { // the judge's cost beside the quality it measured
      sec.append(h("h3", { id: "judge-h" }, "Judge"),
        h("table", { id: "judge-cost", "aria-labelledby": "judge-h" }, h("thead", {}, h("tr", {}, c.judge.header.map((x) => h("th", { scope: "col" }, x)))),
          h("tbody", {}, c.judge.rows.map((row) => h("tr", {}, h("th", { scope: "row" }, row[0]), row.slice(1).map((x, k) => h("td", { class: k ? "num" : null }, x)))))),
        h("p", { class: "meta" }, c.judge.note));
    }
    if (c.cost && c.cost.rows.length) { // what a summary costs beside its quality (tokens, latency, price)
      sec.append(h("h3", { id: "cost-h" }, "Cost and latency"),
        h("table", { id: "cost", "aria-labelledby": "cost-h" }, h("thead", {}, h("tr", {}, c.cost.header.map((x) => h("th", { scope: "col" }, x)))),
          h("tbody", {}, c.cost.rows.map((row) => h("tr", {}, h("th", { scope: "row" }, row[0]), row.slice(1).map((x) => h("td", { class: "num" }, x)))))),
        h("p", { class: "meta" }, c.cost.note));
    }
    if (c.pairs.rows.length) {
      sec.append(h("details", {}, h("summary", {}, "paired tests (every p-value, Holm-adjusted)"),
        h("table", {}, h("tr", {}, c.pairs.header.map((x) => h("th", { scope: "col" }, x))), c.pairs.rows.map((row) => h("tr", {}, row.map((x) => h("td", {}, x)))))));
    }
    if (DATA.plots.length) {
      sec.append(h("h2", {}, "Plots"), h("div", { class: "plots" }, DATA.plots.map((p) =>
        h("figure", {}, h("img", { alt: p.caption || p.name, src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(p.svg), loading: "lazy" }), h("figcaption", {}, p.caption || p.name, " ", h("span", { class: "meta" }, `(${p.name}.svg)`))))));
    }
    return sec;
  }

  // ---- document list ----
  function option(value, label, current) {
    return h("option", { value, selected: String(value) === String(current) }, label);
  }
  function select(label, name, items, current, attrs) {
    return h("label", {}, label, h("select", { name, ...attrs, onchange: (e) => {
      const v = e.target.value; state[name] = /^\d+$/.test(v) ? Number(v) : v; state.page = 0; drawList();
    } }, items.map(([v, l]) => option(v, l, current))));
  }
  const runItems = () => RUNS.map((r, i) => [i, r.label]);
  const fieldItems = () => FIELDS.map((f, i) => [i, f.key]);
  let listEl = null;
  function controls() {
    const m = MEASURES.map((x) => [x.id, x.label]);
    return h("form", { class: "controls", role: "search", onsubmit: (e) => e.preventDefault() },
      h("label", {}, "search text or id", h("input", { type: "search", name: "q", value: state.q, oninput: (e) => { state.q = e.target.value; state.page = 0; drawList(); } })),
      select("order by", "sort", m, state.sort),
      h("label", {}, "direction", h("select", { name: "desc", onchange: (e) => { state.desc = e.target.value === "1"; state.page = 0; drawList(); } },
        option("0", "ascending", state.desc ? "1" : "0"), option("1", "descending", state.desc ? "1" : "0"))),
      h("fieldset", {}, h("legend", {}, "show only documents where"), select("measure", "where", m, state.where),
        h("label", {}, "at least", h("input", { type: "number", step: "any", name: "min", value: state.min, size: 6, oninput: (e) => { state.min = e.target.value; state.page = 0; drawList(); } })),
        h("label", {}, "at most", h("input", { type: "number", step: "any", name: "max", value: state.max, size: 6, oninput: (e) => { state.max = e.target.value; state.page = 0; drawList(); } }))),
      h("fieldset", {}, h("legend", {}, "models A and B disagree on"), select("metric", "gapField", fieldItems(), state.gapField),
        select("A", "gapA", runItems(), state.gapA), select("B", "gapB", runItems(), state.gapB)),
      h("fieldset", {}, h("legend", {}, "metrics X and Y disagree for"), select("model", "gapModel", runItems(), state.gapModel),
        select("X", "gapX", fieldItems(), state.gapX), select("Y", "gapY", fieldItems(), state.gapY)));
  }
  function setSort(id, desc) {
    state.sort = id; state.desc = desc; state.page = 0;
    render();
  }
  function drawList() {
    if (!listEl) return;
    const t0 = performance.now();
    const rows = selected();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    const shown = rows.slice(state.page * PAGE, state.page * PAGE + PAGE);
    const sortM = measure(state.sort), whereM = measure(state.where);
    const ariaFor = (id) => (state.sort === id ? (state.desc ? "descending" : "ascending") : "none");
    const toggle = (id) => () => { setSort(id, state.sort === id ? !state.desc : false); document.getElementById(`sort-${id}`)?.focus(); };
    const header = h("tr", {}, h("th", { scope: "col" }, "#"),
      h("th", { scope: "col", "aria-sort": ariaFor("order") }, h("button", { type: "button", id: "sort-order", onclick: toggle("order") }, "document")),
      h("th", { scope: "col" }, "source"),
      sortM.id === "order" ? null : h("th", { scope: "col", "aria-sort": ariaFor(sortM.id) }, h("button", { type: "button", id: `sort-${sortM.id}`, onclick: toggle(sortM.id) }, sortM.label)),
      whereM.id === "order" || whereM.id === sortM.id ? null : h("th", { scope: "col" }, whereM.label));
    const body = shown.map(({ i, key, shown: w }) => {
      const d = DOCS[i];
      return h("tr", { "data-doc": d.id }, h("td", { class: "num" }, String(i + 1)),
        h("td", {}, h("a", { href: "#doc=" + encodeURIComponent(d.id) }, d.id)),
        h("td", { class: "meta" }, (d.source.join(" ").slice(0, 140) || "(no source)") + (d.source.join(" ").length > 140 ? "…" : "")),
        sortM.id === "order" ? null : h("td", { class: "num" }, fmt(key)),
        whereM.id === "order" || whereM.id === sortM.id ? null : h("td", { class: "num" }, fmt(w)));
    });
    const pager = h("nav", { class: "pager", "aria-label": "pages" },
      h("button", { type: "button", disabled: state.page === 0, onclick: () => { state.page--; drawList(); } }, "previous page"),
      h("span", { id: "page-status", role: "status" }, `page ${state.page + 1} of ${pages} · ${rows.length} of ${DOCS.length} documents`),
      h("button", { type: "button", disabled: state.page >= pages - 1, onclick: () => { state.page++; drawList(); } }, "next page"));
    listEl.replaceChildren(pager, h("table", { id: "doclist" }, h("thead", {}, header), h("tbody", {}, body)));
    listEl.dataset.ms = String(performance.now() - t0);
  }
  function listView() {
    listEl = h("div", { id: "list" });
    const sec = h("section", { id: "documents", "aria-labelledby": "documents-h" }, h("h2", { id: "documents-h" }, "Documents"), controls(), listEl);
    drawList();
    return sec;
  }

  // ---- document view ----
  let sourceEl = null;
  function clearHighlight() {
    if (!sourceEl) return;
    for (const s of sourceEl.querySelectorAll(".sent.hl")) {
      s.classList.remove("hl");
      s.lastChild.replaceWith(h("span", { class: "t" }, s.dataset.text));
    }
    for (const b of document.querySelectorAll("li.bullet.active")) b.classList.remove("active");
  }
  function highlight(li, bullet) {
    clearHighlight();
    li.classList.add("active");
    let first = null;
    bullet.evidence.forEach((k, j) => {
      const s = sourceEl.querySelector(`[data-index="${k}"]`);
      if (!s) return;
      const words = new Set(bullet.matched[j] || []);
      const text = s.dataset.text, parts = [];
      let at = 0;
      for (const m of text.matchAll(WORD)) {
        if (!words.has(m[0])) continue;
        parts.push(text.slice(at, m.index), h("mark", {}, m[0]));
        at = m.index + m[0].length;
      }
      parts.push(text.slice(at));
      s.classList.add("hl");
      s.lastChild.replaceWith(h("span", { class: "t" }, parts));
      first = first || s;
    });
    if (first) first.scrollIntoView({ block: "nearest" });
  }
  function aside(kind, text) {
    return h("div", { class: "aside" }, h("span", { class: "tag" }, `${kind} (set aside by the parser)`), text);
  }
  function bulletItem(b, subs, sentences, keyFacts) {
    const judged = b.supported === true || b.supported === false; // null: no verdict (a failed judge request)
    // sub-points the parser folded into the bullet's text are greyed in place; others follow it
    const inside = subs.filter((t) => t && b.text.includes(t));
    let text = [b.text];
    for (const t of inside) {
      text = text.flatMap((part) => {
        if (typeof part !== "string" || !part.includes(t)) return [part];
        const at = part.indexOf(t);
        return [part.slice(0, at), h("span", { class: "aside", title: "sub-point (set aside by the parser)" }, h("span", { class: "tag" }, "sub-point"), t), part.slice(at + t.length)];
      });
    }
    const li = h("li", { class: "bullet " + (judged ? (b.supported ? "supported" : "unsupported") : "unjudged"), tabindex: "0",
      "aria-label": judged ? `${b.supported ? "supported" : "unsupported"} bullet` : "bullet" }, text,
      judged ? h("span", { class: "badge " + (b.supported ? "good" : "bad") }, `${b.supported ? "supported" : "unsupported"} ${fmt(typeof b.score === "number" ? b.score : null)}`) : null);
    if (b.supported === null) li.append(h("span", { class: "badge" }, "no verdict"));
    if (judged && typeof b.score !== "number" && b.score !== null && b.score !== undefined) li.append(h("span", { class: "meta" }, " score: " + String(b.score)));
    if (judged) {
      const ev = b.evidence.length
        ? b.evidence.map((k) => h("div", { class: "evidence" }, `↳ sentence ${k + 1}: `, sentences[k] || ""))
        : (b.evidence_text || []).map((t) => h("div", { class: "evidence" }, "↳ ", t));
      li.append(...(ev.length ? ev : [h("div", { class: "evidence" }, "↳ no evidence in the source")]));
      li.addEventListener("click", () => highlight(li, b));
      li.addEventListener("focus", () => highlight(li, b));
    }
    if (b.judge) li.append(judgeNote(b.judge, sentences));
    if (keyFacts) li.append(h("div", { class: "meta keyfacts" }, keyFacts.length ? `states key fact ${keyFacts.map((k) => k + 1).join(", ")}` : "states no key fact"));
    subs.filter((t) => !inside.includes(t)).forEach((t) => li.append(aside("sub-point", t)));
    return li;
  }
  // The judge's word on a bullet (support_judge): verdict, error category, P(supported) with its
  // method, reason, quoted evidence (when the bullet's own evidence is another metric's), errors.
  function judgeNote(j, sentences) {
    const head = [`judge: ${j.verdict || "no verdict"}`];
    if (j.category) head.push(`category: ${j.category}`);
    if (typeof j.p_supported === "number") head.push(`P(supported) ${fmt(j.p_supported)}${j.method ? ` (${j.method})` : ""}`);
    else if (j.method) head.push(`method: ${j.method}`);
    const box = h("div", { class: "judge" + (j.verdict === "supported" ? " good" : " bad") }, h("div", { class: "judge-head" }, head.join(" · ")));
    if (j.reason) box.append(h("div", { class: "reason" }, "reason: ", j.reason));
    (j.quotes || []).forEach(([q, k]) => box.append(h("div", { class: "evidence quote" }, "“", q, "”", h("span", { class: "meta" },
      typeof k === "number" ? ` (sentence ${k + 1})` : " (not a source sentence)"))));
    if (j.error) box.append(h("div", { class: "error" }, "judge error: ", j.error));
    if (j.reply) box.append(h("details", { class: "reply" }, h("summary", {}, "the judge's reply"), h("pre", {}, j.reply)));
    return box;
  }
  function modelCard(doc, r) {
    const m = doc.models[r], run = RUNS[r];
    const card = h("section", { class: "model", "data-run": r, "aria-label": run.label }, h("h3", {}, run.label));
    if (!m) return card.append(h("p", { class: "meta" }, "no summary of this document in this run")), card;
    const values = FIELDS.map((f, k) => [f, doc.values[r][k]]).filter(([f, v]) => f.headline && v !== null);
    card.append(h("div", { class: "meta" }, values.map(([f, v]) => `${f.key} ${fmt(v)}`).join(" · ")));
    if (m.error) card.append(h("p", { class: "error" }, "generation failed: " + m.error));
    const a = m.aside || {};
    if (a.preamble) card.append(aside("preamble", a.preamble));
    (a.headings || []).forEach((t) => card.append(aside("heading", t)));
    const subs = (i) => (a.sub_points || []).filter((s) => s[0] === i).map((s) => s[1]);
    // key facts each bullet states (null: the facts metric said nothing of bullets)
    const keyFacts = (i) => (m.fact_bullets ? m.fact_bullets.flatMap((bs, k) => (bs.includes(i) ? [k] : [])) : null);
    card.append(h("ul", { class: "bullets" }, m.bullets.map((b, i) => bulletItem(b, subs(i), doc.source, keyFacts(i)))));
    if (a.outro) card.append(aside("outro", a.outro));
    if (a.reasoning) card.append(h("details", { class: "aside" }, h("summary", {}, "reasoning (set aside by the parser)"), a.reasoning));
    if (m.unfinished) card.append(h("p", { class: "meta" }, "the reply ended mid-bullet (unfinished)"));
    if (m.style) card.append(h("p", { class: "meta" }, `reply style: ${m.style}${m.bullets_requested === false ? " (the prompt did not ask for bullets)" : ""}`));
    const facts = m.stated ? m.stated.map((ok, k) => [doc.facts[k], ok]) : m.facts || [];
    if (facts.length || m.facts_problem) {
      const stated = facts.filter((f) => f[1]).length;
      const about = [m.provenance ? `provenance: ${m.provenance}` : null, m.method ? `method: ${m.method}` : null,
        typeof m.threshold === "number" ? `threshold: ${fmt(m.threshold)}` : null].filter((x) => x);
      const by = (k) => (m.fact_bullets && m.fact_bullets[k] && m.fact_bullets[k].length
        ? h("span", { class: "meta" }, ` (bullet${m.fact_bullets[k].length > 1 ? "s" : ""} ${m.fact_bullets[k].map((i) => i + 1).join(", ")})`) : null);
      const problem = m.facts_problem ? h("p", { class: "error" }, "facts not checked: ", m.facts_problem) : null;
      if (problem) card.append(h("details", { class: "facts" }, h("summary", {}, facts.length ? `facts: ${facts.length}, not checked` : "facts: not checked"),
        about.length ? h("p", { class: "meta provenance" }, about.join(" · ")) : null, problem,
        h("ul", {}, facts.map(([f]) => h("li", { class: "fact" }, f)))));
      else card.append(h("details", { class: "facts" }, h("summary", {}, `facts: ${stated} of ${facts.length} stated`),
        about.length ? h("p", { class: "meta provenance" }, about.join(" · ")) : null,
        h("ul", {}, facts.map(([f, ok], k) => h("li", { class: "fact " + (ok ? "stated" : "missing") }, ok ? "✓ stated: " : "✗ missing: ", f, ok ? by(k) : null))),
        m.no_fact && m.no_fact.length ? h("p", { class: "meta nofact" }, `bullets stating no key fact: ${m.no_fact.map((i) => i + 1).join(", ")}`) : null));
    }
    return card;
  }
  function references(doc) {
    const refs = doc.references;
    if (!refs.length) return null;
    const one = (t, i) => h("li", {}, h("span", { class: "meta" }, `reference ${i + 1}: `), h("ul", {}, t.split("\n").filter((x) => x.trim()).map((x) => h("li", {}, x))));
    const box = h("div", { class: "refs" }, h("h3", {}, `References (${refs.length})`), h("ul", {}, refs.slice(0, 3).map(one)));
    if (refs.length > 3) box.append(h("details", {}, h("summary", {}, `${refs.length - 3} more references (${refs.length} in all)`), h("ul", {}, refs.slice(3).map((t, i) => one(t, i + 3)))));
    return box;
  }
  function docView(i) {
    const doc = DOCS[i];
    sourceEl = h("div", { class: "sourcepane", id: "source", tabindex: "0", "aria-label": "source sentences" },
      h("h3", {}, `Source (${doc.source.length} sentences)`),
      doc.source.map((s, k) => h("span", { class: "sent", "data-index": k, "data-text": s }, h("span", { class: "n" }, String(k + 1)), h("span", { class: "t" }, s))));
    const side = (name) => h("select", { name, onchange: (e) => { state[name] = Number(e.target.value); render(); } },
      option(-1, "(all models)", state[name]), runItems().map(([v, l]) => option(v, l, state[name])));
    const shown = state.sideA >= 0 && state.sideB >= 0 ? [state.sideA, state.sideB] : RUNS.map((_, r) => r);
    const nav = h("nav", { class: "pager", "aria-label": "documents" },
      h("a", { href: "#", id: "back" }, "← all documents"),
      i > 0 ? h("a", { href: "#doc=" + encodeURIComponent(DOCS[i - 1].id), id: "prev" }, "previous (k)") : null,
      i < DOCS.length - 1 ? h("a", { href: "#doc=" + encodeURIComponent(DOCS[i + 1].id), id: "next" }, "next (j)") : null,
      h("span", { class: "meta" }, `document ${i + 1} of ${DOCS.length}`),
      h("label", {}, "side by side: ", side("sideA"), " vs ", side("sideB")));
    return h("article", { id: "doc", "data-doc": doc.id, "aria-labelledby": "doc-h" }, nav, h("h2", { id: "doc-h" }, doc.id),
      h("div", { class: "docview" }, sourceEl, h("div", {}, references(doc), h("div", { class: "models" }, shown.map((r) => modelCard(doc, r))))),
      h("p", { class: "meta" }, "Click or focus a bullet to highlight its evidence in the source (matching words marked). Keys: j / k next / previous document, Escape back to the list."));
  }

  // ---- routing ----
  function current() {
    const m = /^#doc=(.*)$/.exec(location.hash);
    if (!m) return null;
    let id;
    try { id = decodeURIComponent(m[1]); } catch (e) { return -1; }
    return BY_ID.has(id) ? BY_ID.get(id) : -1;
  }
  let overviewEl = null;
  function render() {
    const i = current();
    listEl = null; sourceEl = null;
    const top = h("header", { class: "top" }, h("h1", {}, "harness report"),
      h("span", { class: "meta" }, `${RUNS.length} runs · ${DOCS.length} documents`),
      h("a", { href: "#", id: "to-list" }, "overview"),
      h("button", { type: "button", id: "to-documents", onclick: () => showList() }, "documents"),
      DATA.judged ? h("button", { type: "button", id: "least-supported", onclick: () => {
        state.q = ""; state.where = "order"; state.min = state.max = ""; state.sort = "support-mean"; state.desc = false; state.page = 0;
        showList();
      } }, "least supported documents") : null);
    if (i === null) {
      overviewEl = overviewEl || overview();
      app.replaceChildren(top, overviewEl, listView());
    } else if (i < 0) {
      app.replaceChildren(top, h("p", { role: "alert" }, "No document with that id in this report."), listView());
    } else {
      app.replaceChildren(top, docView(i));
      document.getElementById("doc-h").focus?.();
    }
  }
  // The list (overview above it), scrolled into view with its first document link focused.
  function showList() {
    if (location.hash) history.pushState(null, "", location.pathname + location.search);
    render();
    document.getElementById("documents").scrollIntoView();
    document.querySelector("#doclist tbody a")?.focus({ preventScroll: true });
  }
  window.addEventListener("hashchange", () => { render(); window.scrollTo(0, 0); });
  document.addEventListener("keydown", (e) => {
    if (e.target.closest && e.target.closest("input, select, textarea") || e.altKey || e.ctrlKey || e.metaKey) return;
    const i = current();
    if (i === null || i < 0) return;
    if (e.key === "j" && i < DOCS.length - 1) location.hash = "doc=" + encodeURIComponent(DOCS[i + 1].id);
    else if (e.key === "k" && i > 0) location.hash = "doc=" + encodeURIComponent(DOCS[i - 1].id);
    else if (e.key === "Escape") location.hash = "";
  });
  render();
  app.dataset.rendered = String(performance.now()); // when the first view was built (bench/report_speed.py)
})();
