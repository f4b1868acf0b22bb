// public.js — the public view of a dossier (GET /api/v1/public/lookup's answer) as the portal shows it: the
// status in plain words in the current language, the appointment, the steps done, the rating once the result was
// handed over, and the complaints with their answers; with the forms to rate and to file a complaint.
//
// How the caller proves it is the applicant differs (the public endpoints take the phone; a signed-in owner rates
// through /api/v1/dossiers/{code}/rating): the caller passes rate(body) and complain(text), each answering like api().
import { t, bi, el, field, showProblem, clearProblems, fmtDateTime, notice } from "../core.js";

export function publicPanel(d, o) {
  const box = el("div", { class: "public", id: o.id || "public-panel" });
  const draw = () => {
    box.replaceChildren(
      el("p", { class: "status-line" },
         el("span", { class: "badge status-" + d.status, id: o.id + "-status", text: bi(d.status_name) })),
      el("p", { id: o.id + "-text", text: bi(d.status_text) }),
      el("dl", { class: "facts" }, [
        el("dt", { t: "citizen.code" }), el("dd", { class: "code", text: d.code }),
        el("dt", { t: "citizen.procedure" }), el("dd", { text: d.procedure.code + " — " + d.procedure.name }),
        el("dt", { t: "citizen.unit" }), el("dd", { text: d.unit || "—" }),
        el("dt", { t: "citizen.received" }), el("dd", { text: fmtDateTime(d.received_at) }),
        el("dt", { t: "citizen.due" }), el("dd", { id: o.id + "-due", text: fmtDateTime(d.due_at) }),
        el("dt", { t: "citizen.result" }),
        el("dd", { t: d.result_ready ? "citizen.result.ready" : "citizen.result.notyet" }),
      ]),
      el("h3", { t: "citizen.steps" }),
      el("ol", { class: "steps", id: o.id + "-steps" }, (d.steps || []).map((s) => el("li", {}, [
        el("span", { class: "when", text: fmtDateTime(s.at) }), " ",
        el("span", { text: s.step_name || "" }), " — ", el("strong", { text: bi(s.status_name) })]))),
      ratingPart(),
      complaintsPart());
  };

  function ratingPart() {
    const part = el("div", { class: "rating", id: o.id + "-rating" },
                    [el("h3", { t: "citizen.rate.title" }), el("div", { class: "part-msg" })]);
    if (d.rating) {
      part.append(el("p", { class: "ok", id: o.id + "-rated",
                            t: d.rating.satisfied ? "citizen.rate.satisfied" : "citizen.rate.unsatisfied" }),
                  el("p", { class: "hint", text: fmtDateTime(d.rating.rated_at) }));
      return part;
    }
    if (!d.can_rate) { part.append(el("p", { class: "hint", t: "citizen.rate.later" })); return part; }
    const yes = el("input", { type: "radio", name: "satisfied", id: o.id + "-yes", value: "yes", checked: true });
    const no = el("input", { type: "radio", name: "satisfied", id: o.id + "-no", value: "no" });
    const comment = field(o.id + "-comment", "citizen.rate.comment", { name: "comment", maxlength: 1000 }, "textarea");
    const form = el("form", { id: o.id + "-rateform", novalidate: true }, [
      el("fieldset", { class: "group radios" }, [el("legend", { t: "citizen.rate.question" }),
        el("label", { class: "radio", for: yes.id }, [yes, el("span", { t: "citizen.rate.yes" })]),
        el("label", { class: "radio", for: no.id }, [no, el("span", { t: "citizen.rate.no" })])]),
      comment,
      el("button", { type: "submit", class: "big", t: "citizen.rate.send" }),
      el("p", { class: "form-error error", role: "alert", hidden: true })]);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearProblems(form);
      const body = { satisfied: yes.checked };
      if (comment.control.value.trim()) body.comment = comment.control.value.trim();
      const res = await o.rate(body);
      if (!res.ok) { showProblem(form, res); return; }
      Object.assign(d, res.data);
      draw();
      notice(box.querySelector(".rating .part-msg"), "citizen.rate.thanks");
      focusPart(".rating h3");
    });
    part.append(form);
    return part;
  }

  function complaintsPart() {
    const part = el("div", { class: "complaints", id: o.id + "-complaints" },
                    [el("h3", { t: "citizen.complaint.title" }), el("div", { class: "part-msg" })]);
    if ((d.complaints || []).length) {
      const item = (c) => el("li", { dataset: { status: c.status } }, [
        el("p", {}, [el("span", { class: "when", text: fmtDateTime(c.filed_at) }), " ",
                     el("span", { class: "badge", t: "citizen.complaint." + c.status })]),
        el("p", { class: "complaint-text", text: c.text }),
        c.answer ? el("p", { class: "answer" }, [el("strong", { t: "citizen.complaint.answer" }), " ",
                                                 el("span", { text: c.answer }),
                                                 " (" + fmtDateTime(c.answered_at) + ")"])
                 : el("p", { class: "hint", t: "citizen.complaint.waiting" })]);
      part.append(el("ul", { class: "complaint-list" }, d.complaints.map(item)));
    }
    const text = field(o.id + "-ctext", "citizen.complaint.text", { name: "text", maxlength: 2000, required: true },
                       "textarea");
    const form = el("form", { id: o.id + "-complainform", novalidate: true }, [text,
      el("button", { type: "submit", class: "big", t: "citizen.complaint.send" }),
      el("p", { class: "form-error error", role: "alert", hidden: true })]);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearProblems(form);
      const res = await o.complain(text.control.value);
      if (!res.ok) { showProblem(form, res); return; }
      d.complaints = [res.data].concat(d.complaints || []);
      draw();
      notice(box.querySelector(".complaints .part-msg"), "citizen.complaint.filed");
      focusPart(".complaints h3");
    });
    part.append(el("p", { class: "hint", t: "citizen.complaint.hint" }), form);
    return part;
  }

  function focusPart(sel) {
    const h = box.querySelector(sel);
    if (h) { h.tabIndex = -1; h.focus(); }
  }

  draw();
  box.redraw = draw;
  return box;
}
