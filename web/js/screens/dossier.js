// dossier.js — one dossier (#/dossier/<code>): its data, the due date and how it moved (pauses for a supplement,
// an extension), its papers (uploads with a progress bar, downloads), the process control sheet (Circular 03/2025
// form 06), the printable forms, and the actions the API says this caller may take now (allowed_actions), each in
// a small dialog asking for what the action needs.
//
// The page never decides who may do what: it shows only allowed_actions, and the server judges every request
// (a stale version is 412, a wrong state 409: the page says so and reloads).
import { state, t, bi, el, api, upload, problemText, field, fmtDateTime, dueBadge, notice, showProblem,
         clearProblems } from "../core.js";
import { drawMinistry } from "./dossier_ministry.js";

let root = null, code = "", d = null, unitId = "", unitName = "", loads = 0, opener = null;
const uploaded = [];          // papers uploaded on this page since it was opened: {id, name, size}
let checklist = [];           // [item id, name] of the checklist: the dossier's items, then the procedure's others
const $q = (sel) => root.querySelector(sel);

// What each action's dialog asks for. reason: "required" | "optional"; the other keys name extra fields.
const ACTIONS = {
    accept: { reason: "optional" },
    refuse: { reason: "required" },
    assign: { reason: "optional", to: true },
    forward: { reason: "optional", unit: true },
    return: { reason: "required" },
    request_supplement: { reason: "required", items: true },
    resubmit: { reason: "optional" },
    request_payment: { reason: "optional", amount: true },
    record_payment: { reason: "optional", amount: true },
    extend: { reason: "required", days: true },
    approve: { reason: "optional", sign: true },
    attach_result: { result: true },
    deliver: { reason: "optional", deliver: true },
    withdraw: { reason: "optional" },
    stop: { reason: "required" },
    hand_back: { reason: "optional" },
};
// attach_paper is offered beside each upload of the papers section (uploadItem), not as a dialog.
// Actions that end or refuse something are drawn apart from the ones that move the dossier on.
const DANGER = new Set(["refuse", "return", "withdraw", "stop"]);

// Which forms of Circular 03/2025 apply to the dossier's history (the API answers 409 for the others).
function forms() {
    const f = [];
    if (d.accepted_at) f.push("receipt", "control-sheet");
    if (d.supplement_count > 0) f.push("supplement");
    if (d.extended) f.push("apology");
    if (d.status === 3) f.push("refusal");
    if (d.status === 8) f.push("stop");
    return f;
}

const dd = (key, value, id) => [el("dt", { t: key }), el("dd", id ? { id } : {}, value === null || value === undefined || value === "" ? "—" : value)];
const party = (p) => (p ? [p.name, p.id_number, p.phone, p.address].filter(Boolean).join(" · ") : null);
const money = (n) => (n === null || n === undefined ? null : new Intl.NumberFormat("vi-VN").format(n) + " đ");

function sectionHead(id, key) { return el("h3", { id, t: key }); }

function drawFacts() {
    const rep = d.representative && d.representative.name ? party(d.representative) : null;
    return el("dl", { class: "facts", id: "dossier-facts" }, [
        ...dd("dossier.status", el("span", { class: "badge dossier-status", id: "dossier-status", dataset: { status: String(d.status) }, text: bi(d.status_name) })),
        ...dd("dossier.procedure", d.procedure.code + " — " + d.procedure.name, "dossier-procedure"),
        ...dd("dossier.field", d.procedure.field),
        ...dd("dossier.applicant", party(d.applicant), "dossier-applicant"),
        ...dd("dossier.representative", rep),
        ...dd("dossier.channel", el("span", { t: "dossier.channel." + d.channel })),
        ...dd("dossier.unit", unitName || d.unit_id, "dossier-unit"),
        // The step of the plan matters while the dossier is being handled (accepted, processing, waiting).
        ...([2, 4, 5, 6].includes(d.status) ? dd("dossier.step", d.plan[d.step] ? (d.step + 1) + ". " + d.plan[d.step].name : null, "dossier-step") : []),
        ...dd("dossier.received_at", fmtDateTime(d.received_at)),
        ...(d.content ? dd("dossier.content", d.content) : []),
        ...(d.fee_amount !== null ? dd("dossier.fee", money(d.fee_amount) + (d.paid_amount !== null ? " — " + t("dossier.paid") : "")) : []),
        ...(d.result ? dd("dossier.result", d.result, "dossier-result") : []),
        ...(d.source_document ? dd("dossier.source_document", el("a", { href: "#/document/" + encodeURIComponent(d.source_document.id),
                                                                       id: "dossier-source-document", text: d.source_document.symbol })) : []),
        // signed results: the signed PDF, once the leader signed on approval
        ...(d.result_signature ? dd("dossier.result_signed", el("a", { href: "/api/v1/dossiers/" + encodeURIComponent(code) + "/result",
                                                                      id: "dossier-result-link", target: "_blank", rel: "noopener", t: "dossier.result_signed.open" }),
                                    "dossier-result-signed") : []),
        ...(d.reason ? dd("dossier.reason", d.reason, "dossier-reason") : []),
        ...(d.delivered_at ? dd("dossier.delivered", fmtDateTime(d.delivered_at) + " — " + (d.delivered_to || "")) : []),
    ]);
}

// The due date and how it moved: the current due, the original one when an extension moved it, every pause for a
// supplement (from the request to the papers' return, read from the control sheet) and the extension.
function drawDue() {
    const items = [];
    const steps = d.steps || [];
    for (let i = 0; i < steps.length; i++) {
        const s = steps[i];
        if (s.action === "request_supplement") {
            const back = steps.slice(i + 1).find((x) => x.action === "resubmit");
            items.push(back
                ? el("li", { class: "due-pause", t: "dossier.due.paused", targs: { from: fmtDateTime(s.at), to: fmtDateTime(back.at) } })
                : el("li", { class: "due-pause", t: "dossier.due.pausing", targs: { from: fmtDateTime(s.at) } }));
        } else if (s.action === "extend") {
            items.push(el("li", { class: "due-extend", t: "dossier.due.extended", targs: { at: fmtDateTime(s.at), note: s.note || "" } }));
        }
    }
    const rows = [
        ...dd("dossier.due.current", d.due_at ? dueBadge(d.due_at) : null, "dossier-due"),
    ];
    if (d.original_due_at && d.original_due_at !== d.due_at) rows.push(...dd("dossier.due.original", fmtDateTime(d.original_due_at), "dossier-due-original"));
    if (d.step_due_at && d.status === 4) rows.push(...dd("dossier.due.step", fmtDateTime(d.step_due_at)));
    if (d.timing) rows.push(...dd("dossier.timing", el("span", { t: "dossier.timing." + d.timing })));
    return [
        el("dl", { class: "facts" }, rows),
        items.length ? el("ul", { id: "dossier-due-moves" }, items) : el("p", { id: "dossier-due-moves", t: "dossier.due.unmoved" }),
    ];
}

function paperLink(id, name) {
    return el("a", { href: "/api/v1/papers/" + encodeURIComponent(id), download: name || "", class: "paper-link" }, [
        el("span", { t: "dossier.papers.download" }), " ", el("span", { text: name || "" }),
    ]);
}

function drawPapers() {
    const head = ["dossier.papers.name", "dossier.papers.copies", "dossier.papers.form", "dossier.papers.mandatory", "dossier.papers.file"];
    const rows = d.papers.map((p) => el("tr", {}, [
        el("td", {}, p.name), el("td", {}, String(p.copies)), el("td", {}, el("span", { t: "dossier.form." + p.form })),
        el("td", {}, el("span", { t: p.mandatory ? "dossier.yes" : "dossier.no" })),
        el("td", {}, p.upload ? paperLink(p.upload, p.name) : "—"),
    ]));
    const table = el("table", { id: "dossier-papers" }, [
        el("caption", { class: "sr-only", t: "dossier.papers.title" }),
        el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", t: h })))), el("tbody", {}, rows)]);
    const list = el("ul", { id: "dossier-uploads" }, uploaded.map(uploadItem));
    const file = field("dossier-file", "dossier.upload.file", { type: "file", accept: "application/pdf,image/jpeg,image/png", required: true, "data-field": "file" });
    const form = el("form", { id: "dossier-upload-form", on: { submit: doUpload } }, [
        file,
        el("p", { class: "hint", id: "dossier-file-hint", t: "dossier.upload.hint" }),
        el("div", { class: "field" }, [
            el("label", { for: "dossier-progress", t: "dossier.upload.progress" }),
            el("progress", { id: "dossier-progress", max: 100, value: 0 }),
        ]),
        el("button", { type: "submit", id: "dossier-upload", t: "dossier.upload.send" }),
    ]);
    return [el("div", { class: "table-scroll" }, table), el("h4", { t: "dossier.upload.title" }), list, form];
}

async function doUpload(ev) {
    ev.preventDefault();
    const form = ev.target;
    clearProblems(form);
    const input = $q("#dossier-file");
    const f = input.files && input.files[0];
    if (!f) { input.focus(); return; }
    const bar = $q("#dossier-progress");
    const btn = $q("#dossier-upload");
    bar.value = 0;
    btn.disabled = true;
    // Staff uploads are recorded at the dossier's unit and marked digitized (docs/papers.md).
    const q = new URLSearchParams({ name: f.name.slice(0, 200) || "paper" });
    if (state.me && state.me.kind !== "citizen") q.set("unit", d.unit_id);
    const res = await upload("/api/v1/papers?" + q, f, (p) => { bar.value = Math.round(p * 100); });
    btn.disabled = false;
    if (!res.ok) { showProblem(form, res, { name: "file", unit: "file" }); return; }
    bar.value = 100;
    uploaded.push({ id: res.data.id, name: res.data.name, size: res.data.size });
    const list = $q("#dossier-uploads");
    list.append(uploadItem(uploaded[uploaded.length - 1]));
    input.value = "";
    notice(form, "dossier.upload.done", { name: res.data.name });
}

// A label naming the uploaded file it is about (several uploads may be listed, each with its own control).
function labelWithFile(wrap, name) {
    wrap.querySelector("label").append(" ", el("span", { class: "file-name", text: name }));
    return wrap;
}

// One upload of this page: its download, and — when the API allows attach_paper — a select of the checklist
// items and a button attaching it to the chosen one (POST .../actions attach_paper, docs/one-stop.md).
function uploadItem(u) {
    const li = el("li", { dataset: { upload: u.id } }, [paperLink(u.id, u.name), " (" + Math.ceil(u.size / 1024) + " KiB)"]);
    const at = d.papers.find((p) => p.upload === u.id);
    if (at) {
        li.append(" ", el("span", { class: "attached", t: "dossier.attach.attached", targs: { item: at.name } }));
        return li;
    }
    if (!d.allowed_actions.includes("attach_paper") || !checklist.length) return li;
    const sel = labelWithFile(field("attach-item-" + u.id, "dossier.attach.item",
        { name: "paper", "data-field": "papers", options: checklist.map(([id, name]) => [id, name, true]) }, "select"), u.name);
    li.append(el("form", { class: "dossier-attach", on: { submit: (ev) => doAttach(ev, u) } }, [
        sel,
        el("button", { type: "submit", class: "primary", t: "dossier.attach.send" }),
        el("p", { class: "form-error error", role: "alert", hidden: true }),
    ]));
    return li;
}

async function doAttach(ev, u) {
    ev.preventDefault();
    const form = ev.target;
    clearProblems(form);
    const item = form.elements.namedItem("paper").value;
    const btn = form.querySelector("button[type=submit]");
    btn.disabled = true;
    const res = await api("POST", "/api/v1/dossiers/" + encodeURIComponent(code) + "/actions",
                          { action: "attach_paper", version: d.version, papers: [{ paper: item, upload: u.id }] },
                          { "If-Match": '"' + d.version + '"' });
    btn.disabled = false;
    if (res.ok) {
        const name = (checklist.find((c) => c[0] === item) || [item, item])[1];
        await load();
        announce("dossier.attach.done", { name: u.name, item: name }, "ok");
    } else if (res.status === 409 || res.status === 412) {
        await load();
        announce("dossier.conflict", { detail: problemText(res) }, "error");
    } else {
        showProblem(form, res);
    }
}

// The checklist items a paper may be attached to: the dossier's own, then the procedure's others (a supplement
// may bring an item the intake did not have). Read only when an action that takes papers is allowed.
async function loadChecklist() {
    const items = d.papers.map((p) => [p.paper, p.name]);
    if (d.allowed_actions.includes("attach_paper") || d.allowed_actions.includes("resubmit")) {
        const res = await api("GET", "/api/v1/procedures/" + encodeURIComponent(d.procedure.code) + "?" +
                              new URLSearchParams({ unit: d.unit_id }));
        if (res.ok && Array.isArray(res.data.papers)) {
            for (const p of res.data.papers) if (!items.some((i) => i[0] === p.id)) items.push([p.id, p.name]);
        }
    }
    checklist = items;
}

function person(name, id) { return name || (id ? id.slice(-6) : ""); }

function drawSheet() {
    const head = ["dossier.sheet.n", "dossier.sheet.action", "dossier.sheet.from", "dossier.sheet.to", "dossier.sheet.at",
                  "dossier.sheet.step_due", "dossier.sheet.timing", "dossier.sheet.note"];
    const rows = d.steps.map((s) => el("tr", {}, [
        el("td", {}, String(s.n)),
        el("td", {}, el("span", { t: "dossier.action." + s.action })),
        el("td", {}, [person(s.from_name, s.from), s.from_unit_name ? el("br") : null, s.from_unit_name || null]),
        el("td", {}, [person(s.to_name, s.to) || "—", s.to_unit_name ? el("br") : null, s.to_unit_name || null]),
        el("td", {}, fmtDateTime(s.at)),
        el("td", {}, s.step_due_at ? fmtDateTime(s.step_due_at) : "—"),
        el("td", {}, s.timing ? el("span", { class: "timing-" + s.timing, t: "dossier.timing." + s.timing }) : "—"),
        el("td", {}, s.note || ""),
    ]));
    return el("div", { class: "table-scroll" }, el("table", { id: "dossier-sheet" }, [
        el("caption", { class: "sr-only", t: "dossier.sheet.title" }),
        el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", t: h })))), el("tbody", {}, rows)]));
}

function drawForms() {
    const f = forms();
    if (!f.length) return el("p", { id: "dossier-forms", t: "dossier.forms.none" });
    return el("ul", { id: "dossier-forms" }, f.map((name) => el("li", {}, el("a", {
        href: "/api/v1/dossiers/" + encodeURIComponent(code) + "/forms/" + name + ".pdf", target: "_blank", rel: "noopener",
        dataset: { form: name }, t: "dossier.forms." + name }))));
}

function drawActions() {
    const acts = d.allowed_actions.filter((a) => ACTIONS[a]);
    if (!acts.length) return el("p", { id: "dossier-actions", t: "dossier.actions.none" });
    return el("div", { class: "actions", id: "dossier-actions" }, acts.map((a) => el("button", {
        type: "button", id: "act-" + a, class: DANGER.has(a) ? "danger" : "primary", dataset: { action: a },
        t: "dossier.act." + a, on: { click: (ev) => openAction(a, ev.currentTarget) } })));
}

function draw() {
    root.replaceChildren(
        el("h2", { id: "dossier-title", t: "dossier.title", targs: { code } }),
        drawFacts(),
        sectionHead("dossier-h-actions", "dossier.actions.title"), drawActions(),
        sectionHead("dossier-h-due", "dossier.due.title"), ...drawDue(),
        sectionHead("dossier-h-papers", "dossier.papers.title"), ...drawPapers(),
        sectionHead("dossier-h-sheet", "dossier.sheet.title"), drawSheet(),
        sectionHead("dossier-h-forms", "dossier.forms.title"), drawForms(),
        sectionHead("dossier-h-ministry", "ministry.title"), el("div", { id: "dossier-ministry" }),
        el("dialog", { id: "dossier-dialog", "aria-labelledby": "dossier-dialog-title" }));
    if (d.unit_id) drawMinistry($q("#dossier-ministry"), d, code);
}

// Load (or reload) the dossier and draw it; a dossier the caller may not see is "not found", whatever the reason.
async function load() {
    const res = await api("GET", "/api/v1/dossiers/" + encodeURIComponent(code));
    if (!res.ok) {
        d = null;
        root.replaceChildren(el("h2", { id: "dossier-title", t: "dossier.title", targs: { code } }),
                             el("p", { id: "dossier-error", class: "error", role: "alert",
                                       text: res.status === 404 ? t("dossier.notfound") : problemText(res) }));
        if (res.status === 404) root.querySelector("#dossier-error").dataset.t = "dossier.notfound";
    } else {
        d = res.data;
        if (unitId !== d.unit_id) {
            const u = await api("GET", "/api/v1/units/" + encodeURIComponent(d.unit_id));
            unitId = d.unit_id;
            unitName = u.ok ? u.data.name : "";
        }
        await loadChecklist();
        draw();
    }
    root.dataset.loads = String(++loads);     // tests and assistive tools can tell a reload finished
}

// ---- the action dialog ----

function reasonField(spec, a) {
    if (!spec.reason) return null;
    const key = spec.reason === "required" ? "dossier.f.reason." + (a === "request_supplement" ? "supplement" : a === "extend" ? "extend" : "required") : "dossier.f.note";
    return field("f-reason", key, { name: "reason", maxlength: 1000, required: spec.reason === "required" }, "textarea");
}

// "Name — suggested (2 open dossiers, 1 due soon) · qualified for the field": the keys <prefix>.option,
// <prefix>.suggested and <prefix>.qualified of the web catalogs (the leader's screen uses the same).
export function assigneeLabel(s, prefix) {
    const label = t(prefix + (s.suggested ? ".suggested" : ".option"), { name: s.full_name || s.username, open: s.open, due: s.due_soon });
    return s.qualified ? t(prefix + ".qualified", { label }) : label;
}

async function fieldsFor(a) {
    const spec = ACTIONS[a];
    const out = [];
    if (spec.to) {
        // The officers the API lists (qualified for the procedure's field first, then least loaded), the one it
        // marks suggested preselected.
        const res = await api("GET", "/api/v1/dossiers/" + encodeURIComponent(code) + "/assignees?limit=200");
        const items = res.ok ? res.data.items : [];
        const opts = items.map((s) => [s.username, assigneeLabel(s, "dossier.f.to"), true]);
        const f = field("f-to", "dossier.f.to", { name: "to", required: true, options: opts }, "select");
        const sug = items.find((s) => s.suggested);
        if (sug) f.control.value = sug.username;
        out.push(f);
        if (!opts.length) out.push(el("p", { class: "error", t: "dossier.f.to.none" }));
    }
    if (spec.unit) {
        const next = d.plan[d.step + 1];
        if (next && next.inter_agency) {
            const res = await api("GET", "/api/v1/units?" + new URLSearchParams({ kind: next.other_level || "", limit: "200" }));
            const opts = res.ok ? res.data.items.map((u) => [u.id, u.name, true]) : [];
            out.push(field("f-unit", "dossier.f.unit", { name: "unit", required: true, options: opts }, "select"));
        }
    }
    if (spec.items) out.push(field("f-items", "dossier.f.items", { name: "items", maxlength: 3000 }, "textarea"),
                             el("p", { class: "hint", t: "dossier.f.items.hint" }));
    if (spec.amount) out.push(field("f-amount", "dossier.f.amount", { name: "amount", type: "number", min: 1, max: 1000000000, step: 1,
                                                                    required: a === "request_payment", value: a === "record_payment" && d.fee_amount !== null ? String(d.fee_amount) : undefined }));
    if (spec.days) out.push(field("f-days", "dossier.f.days", { name: "days", type: "number", min: 1, max: 60, step: 1, required: true, value: "1" }));
    if (spec.result) out.push(field("f-result", "dossier.f.result", { name: "result", maxlength: 1000, required: true }, "textarea"));
    if (spec.deliver) {
        out.push(field("f-received-by", "dossier.f.received_by", { name: "received_by", "data-field": "received_by", maxlength: 200, required: true, value: d.applicant.name }),
                 field("f-how", "dossier.f.how", { name: "how", options: [["in_person", "dossier.how.in_person"], ["post", "dossier.how.post"], ["online", "dossier.how.online"]] }, "select"),
                 field("f-when", "dossier.f.when", { name: "when", type: "datetime-local" }),
                 el("p", { class: "hint", t: "dossier.f.when.hint" }));
    }
    // Resubmit: the desk may name, for each paper uploaded on this page, the checklist item it brings.
    const free = uploaded.filter((u) => !d.papers.some((p) => p.upload === u.id));
    if (a === "resubmit" && free.length && checklist.length) {
        out.push(el("fieldset", { id: "f-papers", "data-field": "papers" }, [
            el("legend", { t: "dossier.resubmit.papers" }),
            ...free.map((u) => labelWithFile(field("f-paper-" + u.id, "dossier.resubmit.for",
                { name: "paper-for", "data-upload": u.id,
                  options: [["", "dossier.resubmit.none"], ...checklist.map(([id, name]) => [id, name, true])] }, "select"), u.name)),
        ]));
    }
    if (spec.sign) out.push(...(await signFields()));
    const r = reasonField(spec, a);
    if (r) out.push(r);
    return out;
}

// Sign on approve (signed results; POST .../actions {"sign": true, key_id, pin, seal_key_id?, seal_pin?}): one of
// the caller's own active signing keys and its PIN, and the unit's seal with its PIN when the procedure asks for
// the seal. The PINs go to the server only in this request.
async function signFields() {
    const [keys, proc] = await Promise.all([
        api("GET", "/api/v1/signing-keys?limit=200"),
        api("GET", "/api/v1/procedures/" + encodeURIComponent(d.procedure.code) + "?" + new URLSearchParams({ unit: d.unit_id })),
    ]);
    const items = keys.ok ? keys.data.items.filter((k) => k.active) : [];
    const mine = items.filter((k) => k.kind === "person" && state.me && k.account_id === state.me.id);
    const seals = items.filter((k) => k.kind === "seal" && k.unit_id === d.unit_id);
    const sealed = proc.ok && proc.data.seal === true;
    const label = (k) => k.label + " — " + k.certificate.subject_cn;
    if (!mine.length) return [el("p", { id: "f-sign-none", class: "hint", t: "dossier.sign.nokeys" })];
    const box = el("input", { type: "checkbox", id: "f-sign", name: "sign", checked: true, "aria-controls": "f-sign-fields",
                              on: { change: (ev) => { $q("#f-sign-fields").hidden = !ev.currentTarget.checked; } } });
    const parts = [
        field("f-key", "dossier.sign.key", { name: "key_id", required: true, options: mine.map((k) => [k.id, label(k), true]) }, "select"),
        field("f-pin", "dossier.sign.pin", { name: "pin", type: "password", autocomplete: "off", required: true, maxlength: 128 }),
    ];
    if (sealed) {
        parts.push(el("p", { class: "hint", t: "dossier.sign.seal_needed" }));
        parts.push(seals.length
            ? field("f-seal", "dossier.sign.seal", { name: "seal_key_id", required: true, options: seals.map((k) => [k.id, label(k), true]) }, "select")
            : el("p", { id: "f-seal-none", class: "error", t: "dossier.sign.noseal" }));
        if (seals.length) parts.push(field("f-seal-pin", "dossier.sign.seal_pin", { name: "seal_pin", type: "password", autocomplete: "off", required: true, maxlength: 128 }));
    }
    return [
        el("div", { class: "desk-check" }, [box, el("label", { for: "f-sign", t: "dossier.sign.toggle" })]),
        el("fieldset", { id: "f-sign-fields" }, [el("legend", { t: "dossier.sign.legend" }), ...parts]),
    ];
}

function bodyFor(a, form) {
    const b = { action: a, version: d.version };
    const v = (n) => { const c = form.elements.namedItem(n); return c ? c.value.trim() : ""; };
    for (const n of ["reason", "to", "unit", "result", "received_by", "how", "when"]) if (v(n)) b[n] = v(n);
    if (v("amount")) b.amount = Number(v("amount"));
    if (v("days")) b.days = Number(v("days"));
    const papers = [...form.querySelectorAll("select[name=paper-for]")].filter((c) => c.value)
        .map((c) => ({ paper: c.value, upload: c.dataset.upload }));
    if (papers.length) b.papers = papers;
    const sign = form.elements.namedItem("sign");
    if (sign && sign.checked) {
        b.sign = true;
        for (const n of ["key_id", "pin", "seal_key_id", "seal_pin"]) {
            const c = form.elements.namedItem(n);
            if (c && c.value) b[n] = c.value;          // PINs as typed: not trimmed
        }
    }
    if (form.elements.namedItem("items")) {
        const items = v("items").split("\n").map((s) => s.trim()).filter(Boolean);
        if (items.length) b.items = items;
    }
    return b;
}

async function openAction(a, button) {
    opener = button;
    const dlg = $q("#dossier-dialog");
    const form = el("form", { id: "dossier-act-form", method: "dialog", dataset: { action: a }, on: { submit: (ev) => submitAction(ev, a) } }, [
        el("h3", { id: "dossier-dialog-title", t: "dossier.act." + a }),
        el("p", { class: "hint", t: "dossier.help." + a }),
        ...(await fieldsFor(a)),
        el("p", { class: "form-error error", role: "alert", hidden: true }),
        el("div", { class: "actions" }, [
            el("button", { type: "submit", id: "dossier-act-submit", class: "primary", t: "dossier.confirm" }),
            el("button", { type: "button", id: "dossier-act-cancel", t: "dossier.cancel", on: { click: () => dlg.close() } }),
        ]),
    ]);
    dlg.replaceChildren(form);
    dlg.onclose = () => { if (opener && opener.isConnected) opener.focus(); };
    dlg.showModal();
    const first = form.querySelector("select, input, textarea") || form.querySelector("#dossier-act-submit");
    first.focus();
}

async function submitAction(ev, a) {
    ev.preventDefault();
    const form = ev.target;
    clearProblems(form);
    const btn = form.querySelector("#dossier-act-submit");
    btn.disabled = true;
    const res = await api("POST", "/api/v1/dossiers/" + encodeURIComponent(code) + "/actions", bodyFor(a, form),
                          { "If-Match": '"' + d.version + '"' });
    btn.disabled = false;
    const dlg = $q("#dossier-dialog");
    if (res.ok) {
        opener = null;
        dlg.close();
        await load();
        announce("dossier.done", { action: t("dossier.act." + a), status: bi(res.data.status_name) }, "ok");
    } else if (res.status === 409 || res.status === 412) {
        // Someone else acted first: say so, and show the dossier as it is now.
        opener = null;
        dlg.close();
        await load();
        announce("dossier.conflict", { detail: problemText(res) }, "error");
    } else {
        showProblem(form, res, { "applicant.name": "received_by" });
    }
}

function announce(key, args, kind) {
    if (!d) return;
    const p = notice(root, key, args, kind);
    // The notice goes after the heading, and takes the focus so that keyboard users hear it and start from there.
    root.insertBefore(p, root.querySelector("#dossier-title").nextSibling);
    p.tabIndex = -1;
    p.focus();
}

export async function render(section, args) {
    root = section;
    code = (args[0] || "").slice(0, 60);
    uploaded.length = 0;
    unitId = unitName = "";
    await load();
}

// Redraw what was formatted here (dates stay, names of the server come in the new language).
export async function onLang() { if (d) { draw(); } }

export function leave() {
    const dlg = root && root.querySelector("#dossier-dialog");
    if (dlg && dlg.open) dlg.close();
}
