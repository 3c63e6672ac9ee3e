// Shared by the pages harness writes: the embedded data read back, and elements built with text
// nodes and DOM attributes only (a value is never parsed as markup). Joined before a page's own script.
"use strict";
const HarnessDOM = (function () {
  const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&#x27;": "'" };
  // The JSON block, HTML-escaped by the page writer (harness/analysis/report.py escape_json).
  function data(id) {
    const raw = document.getElementById(id).textContent;
    return JSON.parse(raw.replace(/&(?:amp|lt|gt|#x27);/g, (e) => ENTITIES[e]));
  }
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  return { data, h };
})();
