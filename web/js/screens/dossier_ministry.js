// dossier_ministry.js — the inter-agency section of the dossier page: the dossier's hand-offs to ministry systems
// (the land registry ...), each with its state, the system's receipt, the two-working-hour acknowledgement (due,
// acknowledged at, missed) and the result or the papers asked for; and, for a dossier being processed, a small form
// to hand it off. The server judges who may send (403 / 409 are shown next to the form).
import { t, el, api, problemText, fmtDateTime } from "../core.js";

function row(h) {
    const ack = h.acknowledged_at ? fmtDateTime(h.acknowledged_at) : "—";
    const result = h.result
        ? [h.result.text || "", h.result.items.length ? el("ul", {}, h.result.items.map((i) => el("li", {}, i))) : null]
        : "—";
    return el("tr", { dataset: { handoff: h.id, state: h.state } }, [
        el("td", {}, h.system),
        el("td", {}, el("span", { class: "badge", t: "ministry.state." + h.state })),
        el("td", {}, h.receipt || "—"),
        el("td", {}, fmtDateTime(h.ack_due_at)),
        el("td", {}, [ack, h.ack_missed ? el("span", { class: "badge timing-late", t: "ministry.ack_missed" }) : null]),
        el("td", {}, result),
    ]);
}

// Draw into box (an element of the page) for dossier d; reload() redraws the whole page after a hand-off.
export async function drawMinistry(box, d, code) {
    const [list, systems] = await Promise.all([
        api("GET", "/api/v1/ministry/handoffs?dossier=" + encodeURIComponent(code)),
        api("GET", "/api/v1/ministry/systems"),
    ]);
    const parts = [];
    const items = list.ok ? list.data.items : [];
    if (!items.length) parts.push(el("p", { id: "ministry-none", t: "ministry.none" }));
    else {
        const head = ["ministry.system", "ministry.state", "ministry.receipt", "ministry.ack_due", "ministry.acknowledged",
                      "ministry.result"];
        parts.push(el("div", { class: "table-scroll" }, el("table", { id: "ministry-handoffs" }, [
            el("caption", { class: "sr-only", t: "ministry.title" }),
            el("thead", {}, el("tr", {}, head.map((k) => el("th", { scope: "col", t: k })))),
            el("tbody", {}, items.map(row))])));
    }
    const open = items.some((h) => h.state === "queued" || h.state === "acknowledged");
    if (systems.ok && systems.data.items.length && d.status === 4 && !open) {
        const sel = el("select", { id: "ministry-system", name: "system" },
                       systems.data.items.map((s) => el("option", { value: s.name }, s.name + " (" + s.kind + ")")));
        const msg = el("p", { id: "ministry-message", role: "status" });
        const form = el("form", { id: "ministry-form", class: "inline-form", on: { submit: async (ev) => {
            ev.preventDefault();
            const btn = form.querySelector("button");
            btn.disabled = true;
            const res = await api("POST", "/api/v1/dossiers/" + encodeURIComponent(code) + "/handoffs", { system: sel.value });
            btn.disabled = false;
            if (res.ok) {
                await drawMinistry(box, d, code);
                const m = box.querySelector("#ministry-handoffs");
                if (m) { m.tabIndex = -1; m.focus(); }
            } else {
                msg.className = "error";
                msg.setAttribute("role", "alert");
                msg.textContent = problemText(res);
            }
        } } }, [
            el("label", { for: "ministry-system", t: "ministry.choose" }), sel,
            el("button", { type: "submit", class: "primary", id: "ministry-send", t: "ministry.send" }),
        ]);
        parts.push(form, msg);
    }
    box.replaceChildren(...parts);
}
