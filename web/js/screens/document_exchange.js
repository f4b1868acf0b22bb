// document_exchange.js — the electronic exchange part of the document page (docs/edxml.md): for an outgoing document
// the form that signs and sends it (the receiving agency among the node's peers, the signing key and its PIN, as
// on the keys screen), the request to recall it (status 13) once delivered, and for everyone who may read the
// document the acknowledgements timeline of each package sent (01..06, 13, 15, 16, with the receiver's time, when
// it arrived here and how it was signed). For an incoming document that arrived through the exchange: where it came
// from, the sender's recall request with the accept (15) / refuse (16) form, and the key that signs the statuses
// its handling sends back. The PIN leaves its field as soon as the request is sent; the server judges who may act.
import { t, el, api, field, showProblem, clearProblems, notice, fmtDateTime, hasRole } from "../core.js";

let ctx = null;   // { root, doc, ex, peers, keys, onChange }

const when = (ms) => (ms ? fmtDateTime(new Date(ms).toISOString()) : "—");
const path = (suffix) => "/api/v1/documents/" + encodeURIComponent(ctx.doc.id) + suffix;
const sender = () => hasRole("clerk", "leader");

function keyOptions() {
  return ctx.keys.map((k) => [k.id, k.label + " — " + k.certificate.subject_cn + (k.kind === "seal" ? " (" + t("keys.kind.seal") + ")" : ""), true]);
}

function keyFields(prefix) {
  if (!ctx.keys.length) return [el("p", { class: "hint", id: prefix + "-nokey", t: "xd.nokey" })];
  return [el("div", { class: "row" }, [
    field(prefix + "-key", "xd.f.key", { name: "key_id", options: keyOptions(), required: true }, "select"),
    field(prefix + "-pin", "xd.f.pin", { name: "pin", type: "password", required: true, maxlength: 128, autocomplete: "off" }),
  ])];
}

const signature = (s) => (s.signature ? el("span", { class: "badge", dataset: { sig: s.signature }, t: "xd.sig." + s.signature }) : el("span", { t: "xd.sig.sync" }));

function timeline(x) {
  const rows = x.statuses.map((s) => el("tr", { dataset: { code: s.code } }, [
    el("td", {}, el("code", { text: s.code })),
    el("td", {}, el("span", { t: "xd.code." + s.code })),
    el("td", {}, s.timestamp ? s.timestamp.replace("T", " ") : "—"),
    el("td", {}, when(s.received_at)),
    el("td", {}, s.description || ""),
    el("td", {}, [signature(s), s.signer_cn ? el("br") : null, s.signer_cn ? el("small", { text: s.signer_cn }) : null]),
  ]));
  const head = ["xd.col.code", "xd.col.status", "xd.col.stamp", "xd.col.received", "xd.col.description", "xd.col.signature"];
  return el("div", { class: "table-scroll" }, el("table", { class: "xd-timeline", id: "xd-timeline-" + x.id }, [
    el("caption", { t: "xd.timeline", targs: { organ: x.to_organ } }),
    el("thead", {}, el("tr", {}, head.map((k) => el("th", { scope: "col", t: k })))),
    el("tbody", {}, rows.length ? rows : [el("tr", {}, el("td", { colspan: "6", t: "xd.timeline.none" }))]),
  ]));
}

function sentPart(x) {
  return el("div", { class: "xd-sent", dataset: { state: x.state } }, [
    el("p", {}, [
      el("span", { t: "xd.sent.to" }), " ", el("code", { text: x.to_organ }), " — ",
      el("span", { class: "badge", dataset: { state: x.state }, t: "xd.state." + x.state }), " ",
      el("small", {}, when(x.created_at)),
      x.recall_state ? [" ", el("span", { class: "badge", dataset: { recall: x.recall_state }, t: "xd.recall." + x.recall_state })] : null,
    ].flat()),
    x.last_error ? el("p", { class: "error" }, [el("span", { t: "xd.last_error" }), " ", x.last_error]) : null,
    timeline(x),
  ]);
}

function sendForm() {
  const opts = [];
  for (const p of ctx.peers) for (const o of p.organs) opts.push([p.url + " " + o, o + " — " + p.url, true]);
  if (!opts.length) return el("p", { class: "hint", id: "xd-nopeers", t: "xd.nopeers" });
  return el("form", { id: "xd-send", class: "admin-panel", on: { submit: (ev) => submit(ev, "send") } }, [
    el("h4", { t: "xd.send.title" }),
    el("p", { class: "hint", t: "xd.send.hint" }),
    field("xd-send-to", "xd.f.to", { name: "to", options: opts, required: true }, "select"),
    ...keyFields("xd-send"),
    el("p", { class: "form-error error", role: "alert", hidden: true }),
    el("button", { type: "submit", id: "xd-send-submit", class: "primary", disabled: !ctx.keys.length, t: "xd.send.submit" }),
  ]);
}

function recallForm() {
  return el("form", { id: "xd-recall", class: "admin-panel", on: { submit: (ev) => submit(ev, "recall") } }, [
    el("h4", { t: "xd.recall.title" }),
    el("p", { class: "hint", t: "xd.recall.hint" }),
    field("xd-recall-reason", "xd.f.reason", { name: "reason", required: true, maxlength: 500, rows: 2 }, "textarea"),
    ...keyFields("xd-recall"),
    el("p", { class: "form-error error", role: "alert", hidden: true }),
    el("button", { type: "submit", id: "xd-recall-submit", disabled: !ctx.keys.length, t: "xd.recall.submit" }),
  ]);
}

function answerForm(rc) {
  return el("form", { id: "xd-answer", class: "admin-panel", on: { submit: (ev) => submit(ev, ev.submitter && ev.submitter.value === "refuse" ? "refuse" : "accept") } }, [
    el("h4", { t: "xd.answer.title" }),
    el("p", { class: "hint", t: "xd.answer.hint" }),
    field("xd-answer-reason", "xd.f.answer", { name: "reason", maxlength: 500, rows: 2 }, "textarea"),
    ...keyFields("xd-answer"),
    el("p", { class: "form-error error", role: "alert", hidden: true }),
    el("div", { class: "actions" }, [
      el("button", { type: "submit", id: "xd-accept", name: "what", value: "accept", class: "primary", disabled: !ctx.keys.length, t: "xd.answer.accept" }),
      el("button", { type: "submit", id: "xd-refuse", name: "what", value: "refuse", disabled: !ctx.keys.length, t: "xd.answer.refuse" }),
    ]),
  ]);
}

function receivedPart(r) {
  const out = [el("p", { id: "xd-received" }, [
    el("span", { t: "xd.received.from" }), " ", r.from_name || r.from_organ, " (", el("code", { text: r.from_organ }), ") — ",
    el("span", { t: "xd.received.signer" }), " ", r.signer_cn || "—", " — ", when(r.received_at)])];
  const rc = r.recall;
  if (ctx.ex.recalled) out.push(el("p", { id: "xd-recalled", class: "notice error", role: "status", t: "xd.recalled" }));
  if (rc) {
    out.push(el("dl", { class: "facts", id: "xd-recall-request", dataset: { state: rc.state } }, [
      el("dt", { t: "xd.rq.state" }), el("dd", {}, el("span", { class: "badge", dataset: { recall: rc.state }, t: "xd.recall." + rc.state })),
      el("dt", { t: "xd.rq.reason" }), el("dd", {}, rc.reason || "—"),
      el("dt", { t: "xd.rq.at" }), el("dd", {}, when(rc.requested_at)),
      el("dt", { t: "xd.rq.signature" }), el("dd", {}, [signature(rc), rc.signer_cn ? " " + rc.signer_cn : ""]),
      ...(rc.answered_at ? [el("dt", { t: "xd.rq.answer" }), el("dd", {}, [rc.answer || "—", " — ", when(rc.answered_at)])] : []),
    ]));
    if (rc.state === "requested" && sender()) out.push(answerForm(rc));
  }
  if (!ctx.ex.recalled && sender() && ctx.doc.status !== "done" && ctx.keys.length) {
    out.push(el("fieldset", { id: "xd-ack-sign", class: "admin-panel" }, [
      el("legend", { t: "xd.ack.title" }),
      el("p", { class: "hint", t: "xd.ack.hint" }),
      ...keyFields("xd-ack"),
    ]));
  }
  return out;
}

function draw() {
  const { root, doc, ex } = ctx;
  const parts = [el("h3", { id: "document-h-exchange", t: "xd.title" })];
  if (ex.received) parts.push(...receivedPart(ex.received));
  if (doc.direction === "out") {
    if (sender()) parts.push(sendForm());
    const newest = ex.sent[0];
    if (sender() && newest && newest.state === "delivered" && newest.recall_state !== "requested" && newest.recall_state !== "accepted") parts.push(recallForm());
  }
  if (ex.sent.length) parts.push(el("h4", { id: "xd-h-acks", t: "xd.acks" }), ...ex.sent.map(sentPart));
  else if (doc.direction === "out") parts.push(el("p", { id: "xd-nosent", t: "xd.sent.none" }));
  root.replaceChildren(...parts);
}

// The key and PIN the handling forms add to their request, so that the status sent back is signed.
export function ackSigning() {
  if (!ctx || !ctx.root.isConnected) return {};
  const k = ctx.root.querySelector("#xd-ack-key"), p = ctx.root.querySelector("#xd-ack-pin");
  if (!k || !p || !p.value) return {};
  const out = { key_id: k.value, pin: p.value };
  p.value = "";
  return out;
}

async function submit(ev, what) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  const v = (n) => { const c = form.elements.namedItem(n); return c ? c.value.trim() : ""; };
  const pin = form.elements.namedItem("pin");
  let body, url, done;
  if (what === "send") {
    const [to_url, to_organ_id] = v("to").split(" ");
    body = { to_url, to_organ_id, key_id: v("key_id"), pin: pin.value };
    url = path("/send"); done = "xd.done.send";
  } else if (what === "recall") {
    body = { reason: v("reason"), key_id: v("key_id"), pin: pin.value };
    url = path("/recall"); done = "xd.done.recall";
  } else {
    body = { accept: what === "accept", key_id: v("key_id"), pin: pin.value };
    if (v("reason")) body.reason = v("reason");
    url = path("/recall/answer"); done = "xd.done." + what;
  }
  pin.value = "";
  form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  const res = await api("POST", url, body);
  body.pin = "";
  form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
  if (!res.ok) { showProblem(form, res, { to_url: "to", to_organ_id: "to" }); return; }
  await reload();
  const p = notice(ctx.root, done, {}, "ok");
  p.tabIndex = -1;
  p.focus();
  if (ctx.onChange) ctx.onChange();
}

async function reload() {
  const res = await api("GET", path("/exchange"));
  if (!res.ok) { ctx.root.replaceChildren(); return; }
  ctx.ex = res.data;
  draw();
  ctx.root.dataset.loads = String(Number(ctx.root.dataset.loads || "0") + 1);
}

// The section for doc (its exchange loaded here); onChange after an action that changed the document's exchange.
export async function exchangeSection(doc, onChange) {
  const root = el("section", { id: "document-exchange", "aria-labelledby": "document-h-exchange" });
  ctx = { root, doc, ex: null, peers: [], keys: [], onChange };
  const [ex, peers, keys] = await Promise.all([
    api("GET", path("/exchange")),
    sender() ? api("GET", "/api/v1/exchange/peers") : Promise.resolve({ ok: false }),
    sender() ? api("GET", "/api/v1/signing-keys?limit=200") : Promise.resolve({ ok: false }),
  ]);
  if (!ex.ok) return root;
  ctx.ex = ex.data;
  ctx.peers = peers.ok ? peers.data.items : [];
  ctx.keys = keys.ok ? keys.data.items.filter((k) => !k.removed_at) : [];
  if (!ctx.ex.received && !ctx.ex.sent.length && doc.direction === "in") return root;   // registered by hand
  draw();
  root.dataset.loads = "1";
  return root;
}

export function onLangExchange() { if (ctx && ctx.ex && ctx.root.isConnected) draw(); }
