// harness report --annotate: label a sample of documents, saved in this browser as you go and
// exported as harness.annotation/1 JSONL records (docs/annotations.md). Summaries are shown
// blind (no system names, no metric verdicts). Every value is a text node (HarnessDOM.h).
"use strict";
(function () {
  const { h } = HarnessDOM;
  const DATA = HarnessDOM.data("report-data");
  const SYSTEMS = DATA.systems, DOCS = DATA.docs, CATS = DATA.categories;
  const STORE = "harness-annotate:" + DATA.page;
  const app = document.getElementById("app");
  const KEYS = "j / k next / previous item · s supported (fact: stated) · u unsupported (fact: not stated) · " +
    `1–${CATS.length} error category of an unsupported bullet · a / b / t pairwise: A better, B better, tie · e export`;

  // ---- the items, in the order they are worked through: per summary its bullets then its facts; the pair last ----
  const ITEMS = [];
  DOCS.forEach((doc, d) => {
    doc.summaries.forEach((s, k) => {
      s.bullets.forEach((text, i) => ITEMS.push({ kind: "bullet", d, k, i, text }));
      s.facts.forEach((text, i) => ITEMS.push({ kind: "fact", d, k, i, text }));
    });
    if (doc.pair) ITEMS.push({ kind: "pairwise", d });
  });
  ITEMS.forEach((item, n) => {
    const doc = DOCS[item.d];
    item.n = n;
    item.key = JSON.stringify(item.kind === "pairwise"
      ? [item.kind, doc.id, doc.pair.map((r) => SYSTEMS[r])]
      : [item.kind, doc.id, SYSTEMS[doc.summaries[item.k].system], item.i]);
  });

  // ---- saved in this browser: per page and annotator (a reload, or another annotator on this machine, finds their own) ----
  function stored(key) { try { return localStorage.getItem(STORE + ":" + key); } catch (e) { return null; } }
  function store(key, value) { try { localStorage.setItem(STORE + ":" + key, value); return true; } catch (e) { return false; } }
  let annotator = stored("annotator") || "";
  let labels = new Map(); // item key -> {label, category, time}
  let at = 0; // the current item
  let saved = true;
  function load() {
    labels = new Map();
    try {
      for (const [key, entry] of JSON.parse(stored("labels:" + annotator) || "[]")) labels.set(key, entry);
    } catch (e) { labels = new Map(); }
    const n = Number(stored("at:" + annotator));
    at = Number.isInteger(n) && n >= 0 && n < ITEMS.length ? n : 0;
  }
  function save() {
    saved = store("labels:" + annotator, JSON.stringify([...labels])) && store("at:" + annotator, String(at));
  }
  const entryOf = (item) => {
    const e = labels.get(item.key);
    return e && DATA.labels[item.kind].includes(e.label) ? e : null;
  };

  // ---- the records (docs/annotations.md) ----
  function record(item, entry) {
    const doc = DOCS[item.d];
    const base = { schema: DATA.schema, annotator, time: entry.time, kind: item.kind, doc_id: doc.id, source: DATA.source };
    if (item.kind === "pairwise") {
      return { ...base, system_a: SYSTEMS[doc.pair[0]], system_b: SYSTEMS[doc.pair[1]], label: entry.label, page: DATA.page };
    }
    const system = SYSTEMS[doc.summaries[item.k].system];
    if (item.kind === "bullet") {
      const category = entry.label === "unsupported" && CATS.includes(entry.category) ? entry.category : null;
      return { ...base, system, bullet_index: item.i, bullet: item.text, label: entry.label, category, page: DATA.page };
    }
    return { ...base, system, fact_index: item.i, fact: item.text, label: entry.label, page: DATA.page };
  }
  function jsonl() {
    return ITEMS.filter(entryOf).map((item) => JSON.stringify(record(item, entryOf(item))) + "\n").join("");
  }
  const safe = (text) => text.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60) || "_";
  let url = null;
  function exportNow(link) {
    const text = jsonl();
    if (url) URL.revokeObjectURL(url);
    url = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
    link.href = url;
    link.download = `annotations-${safe(annotator)}-${safe(DATA.source)}.jsonl`;
    const n = text ? text.split("\n").length - 1 : 0;
    say(`exported ${n} records as ${link.download} at ${new Date().toISOString()}`);
  }

  // ---- labelling ----
  function setLabel(item, label, category) {
    const entry = { label, time: new Date().toISOString() };
    if (item.kind === "bullet") {
      const before = entryOf(item);
      entry.category = label !== "unsupported" ? null : category !== undefined ? category : (before && before.category) || null;
    }
    labels.set(item.key, entry);
    redraw(item);
    go(item.n); // the labelled item becomes the current one (and is saved with it)
    progress();
  }
  function choice(item, text, label, category) {
    const entry = entryOf(item);
    const pressed = category === undefined ? !!entry && entry.label === label : !!entry && entry.category === category && entry.label === "unsupported";
    return h("button", { type: "button", class: "choice", "data-label": label, "data-category": category, "aria-pressed": String(pressed),
      onclick: (e) => { e.stopPropagation(); setLabel(item, label, category); } }, text);
  }
  function itemEl(item) {
    const entry = entryOf(item);
    const attrs = { class: `item${item.n === at ? " current" : ""}${entry ? " done" : ""}`, "data-kind": item.kind, "data-label": entry ? entry.label : null, "data-item": item.n,
      "data-key": item.key, tabindex: "-1", onclick: () => go(item.n) };
    if (item.kind === "bullet") {
      return h("li", attrs, h("span", { class: "text" }, item.text), h("div", { class: "choices" },
        choice(item, "supported (s)", "supported"), choice(item, "unsupported (u)", "unsupported"),
        h("span", { class: "cats", role: "group", "aria-label": "error category" },
          CATS.map((c, j) => choice(item, `${j + 1} ${c}`, "unsupported", c)))));
    }
    if (item.kind === "fact") {
      return h("li", attrs, h("span", { class: "text" }, item.text), h("div", { class: "choices" },
        choice(item, "stated (s)", "stated"), choice(item, "not stated (u)", "not_stated")));
    }
    const doc = DOCS[item.d];
    const side = (r, name) => {
      const k = doc.summaries.findIndex((s) => s.system === r);
      return h("div", { class: "side" }, h("h4", {}, `Summary ${name} (summary ${k + 1} above)`),
        h("ul", {}, doc.summaries[k].bullets.map((b) => h("li", {}, b))));
    };
    return h("section", { ...attrs, "aria-label": "pairwise choice" }, h("h3", {}, "Which summary is better overall?"),
      h("div", { class: "pair" }, side(doc.pair[0], "A"), side(doc.pair[1], "B")),
      h("div", { class: "choices" }, choice(item, "A better (a)", "A"), choice(item, "tie (t)", "tie"), choice(item, "B better (b)", "B")));
  }
  function redraw(item) {
    const old = app.querySelector(`[data-item="${item.n}"]`);
    if (old) old.replaceWith(itemEl(item));
  }

  // ---- the view ----
  let shownDoc = -1;
  function say(text) { const s = document.getElementById("status"); if (s) s.textContent = text; }
  function progress() {
    const el = document.getElementById("progress");
    if (!el) return;
    const kinds = ["bullet", "fact", "pairwise"].map((kind) => {
      const all = ITEMS.filter((i) => i.kind === kind);
      return all.length ? `${kind} ${all.filter(entryOf).length}/${all.length}` : null;
    }).filter(Boolean);
    el.textContent = `${ITEMS.filter(entryOf).length} of ${ITEMS.length} labelled (${kinds.join(" · ")})` + (saved ? "" : " · NOT SAVED in this browser: export now");
  }
  function docView(d) {
    const doc = DOCS[d];
    const first = ITEMS.findIndex((i) => i.d === d);
    const jumpDoc = (e) => { const n = ITEMS.findIndex((i) => i.d === e); if (n >= 0) go(n); };
    const summaries = doc.summaries.map((s, k) => h("section", { class: "summary", "aria-label": `summary ${k + 1}` },
      h("h3", {}, `Summary ${k + 1}`),
      s.bullets.length ? h("ol", { class: "items" }, ITEMS.filter((i) => i.d === d && i.k === k && i.kind === "bullet").map(itemEl))
        : h("p", { class: "meta" }, "(no bullets)"),
      s.facts.length ? h("div", { class: "facts" }, h("h4", {}, "Key facts: which does this summary state?"),
        h("ol", { class: "items" }, ITEMS.filter((i) => i.d === d && i.k === k && i.kind === "fact").map(itemEl))) : null));
    const pair = ITEMS.filter((i) => i.d === d && i.kind === "pairwise").map(itemEl);
    return h("article", { id: "doc", "data-doc": doc.id, "aria-labelledby": "doc-h" },
      h("nav", { class: "pager", "aria-label": "documents" },
        h("button", { type: "button", id: "prev-doc", disabled: d === 0, onclick: () => jumpDoc(d - 1) }, "previous document"),
        h("span", { class: "meta" }, `document ${d + 1} of ${DOCS.length}`),
        h("button", { type: "button", id: "next-doc", disabled: d === DOCS.length - 1, onclick: () => jumpDoc(d + 1) }, "next document")),
      h("h2", { id: "doc-h" }, doc.id),
      h("div", { class: "docview" },
        h("div", { class: "sourcepane", tabindex: "0", "aria-label": "source sentences" }, h("h3", {}, `Source (${doc.source.length} sentences)`),
          doc.source.map((s, k) => h("span", { class: "sent" }, h("span", { class: "n" }, String(k + 1)), h("span", { class: "t" }, s)))),
        h("div", { class: "tasks" }, first < 0 ? h("p", { class: "meta" }, "nothing to label in this document") : null, summaries, pair)));
  }
  function go(n) {
    if (n < 0 || n >= ITEMS.length) return;
    at = n;
    save();
    const item = ITEMS[n];
    const main = document.getElementById("work");
    if (main && shownDoc !== item.d) {
      shownDoc = item.d;
      main.replaceChildren(docView(item.d));
    }
    for (const el of app.querySelectorAll(".item.current")) el.classList.remove("current");
    const el = app.querySelector(`[data-item="${n}"]`);
    if (el) {
      el.classList.add("current");
      el.focus({ preventScroll: true });
      el.scrollIntoView({ block: "nearest" });
    }
  }
  function startView() {
    const input = h("input", { id: "annotator-id", name: "annotator", required: true, autocomplete: "username", size: 24 });
    return h("section", { id: "start", "aria-labelledby": "start-h" }, h("h2", { id: "start-h" }, "Who is annotating?"),
      h("p", {}, `${DOCS.length} documents, ${ITEMS.length} items. Your id goes into every record you export; your labels are saved in this browser under it as you go.`),
      h("form", { id: "annotator-form", onsubmit: (e) => {
        e.preventDefault();
        const id = input.value.trim();
        if (!id) return;
        annotator = id;
        store("annotator", id);
        load();
        render();
      } }, h("label", {}, "annotator id ", input), h("button", { type: "submit" }, "start")));
  }
  function render() {
    shownDoc = -1;
    const top = h("header", { class: "top" }, h("h1", {}, "harness annotation"),
      h("span", { class: "meta" }, `${DATA.source} · ${DOCS.length} of ${DATA.selection.of} documents (seed ${DATA.selection.seed})`));
    if (!annotator) {
      app.replaceChildren(top, startView());
      document.getElementById("annotator-id").focus();
      return;
    }
    const link = h("a", { id: "export", href: "#", role: "button", onclick: (e) => exportNow(e.currentTarget) }, "export JSONL (e)");
    top.append(h("span", { id: "progress", role: "status" }),
      h("span", {}, "annotator: ", h("b", { id: "annotator" }, annotator), " ",
        h("button", { type: "button", id: "switch", onclick: () => { annotator = ""; store("annotator", ""); render(); } }, "switch annotator")),
      link, h("span", { id: "status", class: "meta", role: "status" }));
    app.replaceChildren(top, h("p", { id: "help", class: "meta" }, "Keys: " + KEYS), h("div", { id: "work" },
      ITEMS.length ? null : h("p", {}, "Nothing to annotate in this sample.")));
    progress();
    if (ITEMS.length) go(at);
  }
  const LABEL_KEYS = { bullet: { s: "supported", u: "unsupported" }, fact: { s: "stated", u: "not_stated" }, pairwise: { a: "A", b: "B", t: "tie" } };
  document.addEventListener("keydown", (e) => {
    if (!annotator || (e.target.closest && e.target.closest("input, select, textarea")) || e.altKey || e.ctrlKey || e.metaKey) return;
    const item = ITEMS[at];
    const label = item && LABEL_KEYS[item.kind][e.key];
    const digit = /^[1-9]$/.test(e.key) ? Number(e.key) : 0;
    if (e.key === "j") go(at + 1);
    else if (e.key === "k") go(at - 1);
    else if (e.key === "e") document.getElementById("export").click();
    else if (label) {
      setLabel(item, label);
      if (!(item.kind === "bullet" && label === "unsupported")) go(at + 1); // an unsupported bullet waits for its category
    } else if (item && item.kind === "bullet" && digit && digit <= CATS.length) {
      setLabel(item, "unsupported", CATS[digit - 1]);
      go(at + 1);
    } else return;
    e.preventDefault();
  });
  document.title = `harness annotation · ${DATA.source}`;
  load();
  render();
  app.dataset.rendered = "1";
})();
