// report_dossiers.js — the dossiers a dashboard figure counts (GET /api/v1/reports/dossiers?measure=): the same
// brief rows as the work lists, paginated with the API's cursor, each code opening the dossier page. The address
// (#/report-dossiers/<query>) carries the dashboard's choices and the figure; "back" returns to the dashboard.
import { el, api, listTable, fmtDate } from "../core.js";
import { dossierColumns } from "./work.js";
import { argsOf, fmtRange } from "./report_common.js";

let list = null;

export async function render(root, args) {
  const q = argsOf(args);
  const measure = q.get("measure") || "";
  const back = new URLSearchParams(q);
  back.delete("measure");
  // The way back opens the dashboard on the period as chosen there (p, pv), else on the figure's dates.
  if (!back.get("p") && back.get("from") && back.get("to")) { back.set("p", "custom"); back.set("pv", back.get("from") + ".." + back.get("to")); }
  back.delete("from"); back.delete("to");
  const apiQ = new URLSearchParams(q);
  apiQ.delete("p"); apiQ.delete("pv");
  const unitName = el("strong", { id: "rd-unit" });
  list = listTable({ id: "rd-table", path: "/api/v1/reports/dossiers", limit: 50, empty: "rd.none",
                     params: () => Object.fromEntries(apiQ.entries()), columns: dossierColumns() });
  root.append(
    el("h2", { id: "report-dossiers-title" }, [el("span", { t: "rd.title" }), ": ", el("span", { id: "rd-measure", t: "report.fig." + measure })]),
    el("p", { class: "report-about" }, [unitName, " · ", q.get("from") ? fmtRange(q.get("from"), q.get("to") || q.get("from")) : fmtDate(null),
      q.get("field") ? " · " + q.get("field") : "", q.get("procedure") ? " · " + q.get("procedure") : ""]),
    el("p", {}, el("a", { id: "rd-back", href: "#/dashboard/" + encodeURIComponent(back.toString()), t: "rd.back" })),
    list.root);
  const [u] = await Promise.all([q.get("unit") ? api("GET", "/api/v1/units/" + encodeURIComponent(q.get("unit"))) : null, list.reload()]);
  if (u && u.ok) unitName.textContent = u.data.name;
}

export function onLang() { if (list) list.redraw(); }
