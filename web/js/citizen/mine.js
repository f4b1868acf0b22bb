// mine.js — my dossiers (GET /api/v1/dossiers: a citizen sees only their own), newest first, with the status in
// the current language; and one dossier: what was filed (GET /api/v1/dossiers/{code}) and its public view (the
// lookup with the applicant's phone: status in plain words, steps, rating, complaints and their answers). The
// owner rates without a proof (POST /api/v1/dossiers/{code}/rating); a complaint goes through the public endpoint
// with the phone given at submission.
import { bi, el, api, problemText, listTable, searchBox, fmtDateTime } from "../core.js";
import { publicPanel } from "./public.js";

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
  root.append(filed);
  ctx.onLang = () => { if (panel) panel.redraw(); drawFiled(); };
}
