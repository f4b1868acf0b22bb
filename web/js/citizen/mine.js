// mine.js — my dossiers (GET /api/v1/dossiers: a citizen sees only their own), newest first, with the status in
// the current language; and one dossier: what was filed (GET /api/v1/dossiers/{code}) and its public view (the
// lookup with the applicant's phone: status in plain words, steps, rating, complaints and their answers). The
// owner rates without a proof (POST /api/v1/dossiers/{code}/rating); a complaint goes through the public endpoint
// with the phone given at submission. A dossier waiting for a supplement (status 5) shows what the agency asked
// for (the supplement slip's reason and list, and the slip itself as PDF) and a form to upload the missing papers
// or reuse one of the citizen's data store (GET /api/v1/me/papers: their papers and past results), then send the
// `resubmit` action with them (the clock resumes).
import { bi, el, t, api, problemText, listTable, searchBox, fmtDateTime, clearProblems, showProblem } from "../core.js";
import { publicPanel } from "./public.js";
import { paperField } from "./submit.js";

let sentFor = null;    // the code whose supplement was just sent: its page says so once

export async function render(root, args, ctx) {
  let q = "";
  const list = listTable({
    id: "mine-table", path: "/api/v1/dossiers", params: () => ({ q }), empty: "citizen.mine.none", limit: 20,
    columns: [
      { key: "code", head: "citizen.mine.dossier", cell: (d) => [
          el("a", { href: "#/dossier/" + encodeURIComponent(d.code), class: "code", text: d.code }),
          el("br"), el("span", { class: "hint", text: d.procedure.name })],
        sort: (a, b) => a.code.localeCompare(b.code) },
      { key: "status", head: "citizen.mine.status", cell: (d) => [
          el("span", { class: "badge status-" + d.status, text: bi(d.status_name) }), el("br"),
          el("span", { class: "hint", text: fmtDateTime(d.received_at) })],
        sort: (a, b) => a.status - b.status },
    ],
  });
  root.append(el("h2", { id: "mine-title", t: "citizen.mine.title" }),
              el("p", { class: "actions" },
                 el("a", { class: "button primary", href: "#/submit", id: "mine-new", t: "citizen.mine.new" })),
              searchBox("mine-q", "citizen.mine.search", (v) => { q = v; list.reload(); }), list.root);
  ctx.onLang = () => list.redraw();
  await list.reload();
}

export async function renderDossier(root, args, ctx) {
  const code = args[0] || "";
  root.append(el("h2", { id: "dossier-title" }, [el("span", { t: "citizen.dossier.title" }), " ",
                                                 el("span", { class: "code", text: code })]),
              el("p", {}, el("a", { href: "#/mine", t: "citizen.dossier.back" })));
  const res = await api("GET", "/api/v1/dossiers/" + encodeURIComponent(code));
  if (!res.ok) { root.append(el("p", { class: "error", role: "alert", text: problemText(res) })); return; }
  const d = res.data;
  const phone = d.applicant.phone;
  const pub = await api("GET", "/api/v1/public/lookup?" + new URLSearchParams({ code, phone }));
  const filed = el("div");
  const drawFiled = () => filed.replaceChildren(
    el("h3", { t: "citizen.dossier.filed" }),
    el("dl", { class: "facts" }, [
      el("dt", { t: "citizen.fullname" }), el("dd", { text: d.applicant.name }),
      el("dt", { t: "citizen.phone" }), el("dd", { text: d.applicant.phone }),
      el("dt", { t: "citizen.dossier.channel" }), el("dd", { t: "citizen.channel." + d.channel }),
      d.result ? el("dt", { t: "citizen.dossier.result" }) : null, d.result ? el("dd", { text: d.result }) : null,
      d.reason ? el("dt", { t: "citizen.dossier.reason" }) : null, d.reason ? el("dd", { text: d.reason }) : null,
    ]),
    el("h3", { t: "citizen.dossier.papers" }),
    el("ul", { id: "dossier-papers" }, d.papers.map((p) => el("li", { text: p.name }))));
  drawFiled();
  let panel = null;
  if (pub.ok) {
    const path = "/api/v1/dossiers/" + encodeURIComponent(code);
    panel = publicPanel(pub.data, {
      id: "ds",
      rate: (body) => api("POST", path + "/rating", body),
      complain: (text) => api("POST", "/api/v1/public/dossiers/" + encodeURIComponent(code) + "/complaints",
                              { phone, text }),
    });
    root.append(panel);
  } else {
    root.append(el("p", { class: "error", text: problemText(pub) }));
  }
  if (sentFor === code) {
    sentFor = null;
    root.append(el("p", { class: "notice ok", role: "status", id: "supp-sent", t: "citizen.supplement.sent" }));
  }
  let supp = null;
  if (d.status === 5) {
    supp = await supplementPanel(d, ctx);
    root.append(supp);
  }
  root.append(filed);
  ctx.onLang = () => { if (panel) panel.redraw(); drawFiled(); if (supp) supp.redraw(); };
}

// The checklist items a supplement may bring: the dossier's own, then the procedure's others.
async function checklist(d) {
  const items = d.papers.map((p) => ({ id: p.paper, name: p.name, mandatory: p.mandatory }));
  const proc = await api("GET", "/api/v1/procedures/" + encodeURIComponent(d.procedure.code));
  if (proc.ok) {
    for (const p of proc.data.papers || [])
      if (!items.some((x) => x.id === p.id)) items.push({ id: p.id, name: p.name, mandatory: p.mandatory });
  }
  return items;
}

// Status 5: what was asked, and (for the applicant, allowed to resubmit) the form sending the papers.
async function supplementPanel(d, ctx) {
  const code = d.code;
  const box = el("section", { class: "group supplement", id: "supp", "aria-labelledby": "supp-title" });
  const asked = [el("h3", { id: "supp-title", t: "citizen.supplement.title" }),
    el("p", { t: "citizen.supplement.asked" }),
    el("blockquote", { id: "supp-reason", text: d.reason || "—" }),
    el("p", {}, el("a", { id: "supp-slip", href: "/api/v1/dossiers/" + encodeURIComponent(code) + "/forms/supplement.pdf",
                          target: "_blank", rel: "noopener", t: "citizen.supplement.slip" }))];
  box.append(...asked);
  box.redraw = () => {};
  if (!d.allowed_actions.includes("resubmit")) return box;
  const items = await checklist(d);
  const store = await api("GET", "/api/v1/me/papers?limit=50");
  const mine = store.ok ? store.data.items : [];
  const uploads = {};
  const reuse = {};
  const reuseLabel = (p) => p.name + (p.source === "result" ? " — " + t("citizen.supplement.result", { code: p.dossier }) : "");
  const fields = items.map((p) => {
    const f = paperField(p, uploads, "supp");
    if (mine.length) {
      const id = "supp-reuse-" + p.id;
      const sel = el("select", { id, dataset: { paper: p.id } },
                     [el("option", { value: "", t: "citizen.supplement.reuse.none" }),
                      ...mine.map((m) => el("option", { value: m.id, text: reuseLabel(m) }))]);
      sel.addEventListener("change", () => { if (sel.value) reuse[p.id] = sel.value; else delete reuse[p.id]; });
      f.append(el("label", { for: id, class: "hint", t: "citizen.supplement.reuse" }), sel);
    }
    return f;
  });
  const err = el("p", { class: "field-error", id: "supp-papers-err", role: "alert", hidden: true });
  const send = el("button", { type: "submit", id: "supp-send", class: "big", t: "citizen.supplement.send" });
  const form = el("form", { id: "supp-form", novalidate: true }, [
    el("fieldset", { class: "group", id: "supp-papers", tabindex: -1, "aria-describedby": "supp-papers-err",
                     dataset: { field: "papers" } },
       [el("legend", { t: "citizen.supplement.papers" }), el("p", { class: "hint", t: "citizen.supplement.hint" }),
        ...fields, err]),
    send, el("p", { class: "form-error error", role: "alert", hidden: true })]);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearProblems(form);
    // An upload chosen for an item wins over a reused paper for it.
    const papers = items.filter((p) => uploads[p.id] || reuse[p.id])
      .map((p) => ({ paper: p.id, form: "electronic", upload: uploads[p.id] || reuse[p.id] }));
    if (!papers.length) {
      err.textContent = t("citizen.supplement.none");
      err.hidden = false;
      form.querySelector("#supp-papers").focus();
      return;
    }
    send.disabled = true;
    const res = await api("POST", "/api/v1/dossiers/" + encodeURIComponent(code) + "/actions",
                          { action: "resubmit", version: d.version, papers });
    send.disabled = false;
    if (!res.ok) { showProblem(form, res); return; }
    sentFor = code;
    ctx.go(location.hash);
  });
  box.append(form);
  return box;
}
