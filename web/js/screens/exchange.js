// exchange.js — the electronic exchange of documents (edXML, docs/edxml.md): the packages received for the caller's
// units (each registered once in the incoming register: a link to the document) and the packages rejected, with the
// reason, kept as evidence. Two tabs (#/exchange/received, #/exchange/rejected), the API's cursor pages; the API
// offers no search over these lists, so the page sorts the loaded rows only.
import { t, el, listTable, fmtDateTime, hasText } from "../core.js";

const VIEWS = ["received", "rejected"];
let root, view = "received", list = null;

const byAt = (a, b) => a.at - b.at;
const when = (x) => fmtDateTime(new Date(x.at).toISOString());

// The reason of a rejection: the catalog's text for its code (MSG_EXCHANGE_UNSIGNED → exch.reason.unsigned) in the
// current language, then the server's technical detail (as recorded, in English) and the code.
function reason(x) {
  const key = "exch.reason." + String(x.code || "").replace(/^MSG_EXCHANGE_/, "").toLowerCase();
  const known = x.code && hasText(key);
  return [
    known ? el("span", { class: "exch-reason", t: key }) : null,
    known ? el("br") : null,
    el("small", {}, [known ? el("span", { t: "exch.detail" }) : null, known ? " " : null, x.reason || "", " ",
                     x.code ? el("code", { text: x.code }) : null]),
  ];
}

function columns() {
  const cols = [
    { key: "at", head: "exch.col.at", cell: when, sort: byAt },
    { key: "from", head: "exch.col.from", cell: (x) => [x.from_name || x.from_organ || "—", x.from_name && x.from_organ ? el("br") : null,
                                                        x.from_name && x.from_organ ? el("code", { text: x.from_organ }) : null] },
    { key: "doc", head: "exch.col.edxml", cell: (x) => el("code", { text: x.edxml_document_id || "—" }) },
    { key: "signer", head: "exch.col.signer", cell: (x) => x.signer_cn || "—" },
  ];
  if (view === "received") {
    cols.push({ key: "document", head: "exch.col.document", cell: (x) => (x.document_id
      ? el("a", { href: "#/document/" + encodeURIComponent(x.document_id), class: "code", t: "exch.open" }) : "—") });
  } else {
    cols.push({ key: "reason", head: "exch.col.reason", cell: reason });
  }
  return cols;
}

function makeList() {
  list = listTable({ id: "exch-table", path: "/api/v1/exchange/" + view, limit: 20, empty: "exch.none." + view, columns: columns() });
  return list;
}

function tabs() {
  const bar = el("div", { role: "tablist", id: "exch-tabs", class: "tabs", ta: "exch.tabs" });
  for (const v of VIEWS) {
    bar.append(el("button", {
      type: "button", role: "tab", id: "exch-tab-" + v, "aria-controls": "exch-panel", t: "exch.tab." + v,
      "aria-selected": v === view ? "true" : "false", tabindex: v === view ? "0" : "-1",
      dataset: { view: v }, on: { click: () => select(v, false) },
    }));
  }
  bar.addEventListener("keydown", (ev) => {
    const i = VIEWS.indexOf(view);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: VIEWS.length - 1 }[ev.key];
    if (next === undefined) return;
    ev.preventDefault();
    select(VIEWS[(next + VIEWS.length) % VIEWS.length], true);
  });
  return bar;
}

async function select(v, focus) {
  view = v;
  history.replaceState(null, "", "#/exchange/" + v);
  root.querySelectorAll("#exch-tabs [role=tab]").forEach((b) => {
    const on = b.dataset.view === v;
    b.setAttribute("aria-selected", on ? "true" : "false");
    b.tabIndex = on ? 0 : -1;
    if (on && focus) b.focus();
  });
  const panel = root.querySelector("#exch-panel");
  panel.setAttribute("aria-labelledby", "exch-tab-" + v);
  const hint = root.querySelector("#exch-hint");
  hint.dataset.t = "exch.hint." + v;
  hint.textContent = t(hint.dataset.t);
  makeList();
  panel.querySelector(".list-wrap").replaceWith(list.root);
  await list.reload();
}

export async function render(section, args) {
  root = section;
  view = VIEWS.includes(args[0]) ? args[0] : "received";
  makeList();
  root.append(
    el("h2", { id: "exchange-title", t: "exch.title" }),
    tabs(),
    el("div", { role: "tabpanel", id: "exch-panel", "aria-labelledby": "exch-tab-" + view }, [
      el("p", { id: "exch-hint", class: "hint", t: "exch.hint." + view }), list.root,
    ]));
  history.replaceState(null, "", "#/exchange/" + view);
  await list.reload();
}

export function onLang() { if (list) list.redraw(); }
