// chart.js — the small SVG charts of the report screens: horizontal bars (one value per row), horizontal stacked bars
// (parts of a total per row) and lines (series over months). Loaded only by those screens.
//
// Every chart is an <svg role="img"> with a <title> and a <desc>, and an aria-label that reads the numbers out (the
// same texts the table next to it shows, formatted by the caller). Series differ by pattern or marker shape as well
// as colour (hatching, dots, dashes; squares, circles, triangles), and every colour keeps at least 4.5:1 against
// white. Text goes in through textContent only; no style attribute (the CSP's style-src 'self').
//
//   barChart({id, title, items: [{label, value, text}], max})                        → <figure>
//   stackedChart({id, title, series: [{label, tone?}], items: [{label, parts: [n], texts: [s], describe?}]}) → <figure>
//     (describe: the row's words for the aria-label instead of "label: series n, ...")
//   lineChart({id, title, labels: [s], series: [{label, values: [n|null], texts: [s]}], max}) → <figure>
// title is the chart's name in the current language (the caller translates it). A figure holds the svg and an HTML
// legend (series charts); the caller redraws the chart after a language switch.

const NS = "http://www.w3.org/2000/svg";
const COLOURS = ["#1f4e79", "#a3221b", "#6b4a00", "#1e6b2e"];
const W = 640;

function s(tag, attrs, children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  for (const c of [].concat(children === undefined ? [] : children)) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// The fill patterns of a chart's series k (id-p<k>), by tone: 0 solid blue, 1 red with diagonal hatching, 2 brown
// with dots, 3 green with cross-hatching.
function patterns(id, tones) {
  const defs = s("defs");
  for (const [n, i] of tones.entries()) {
    const c = COLOURS[i % COLOURS.length];
    const p = s("pattern", { id: `${id}-p${n}`, patternUnits: "userSpaceOnUse", width: 8, height: 8 }, s("rect", { width: 8, height: 8, fill: c }));
    const k = i % 4;
    if (k === 1) p.append(s("path", { d: "M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4", stroke: "#fff", "stroke-width": 2 }));
    if (k === 2) p.append(s("circle", { cx: 4, cy: 4, r: 1.6, fill: "#fff" }));
    if (k === 3) p.append(s("path", { d: "M0,4 h8 M4,0 v8", stroke: "#fff", "stroke-width": 1.5 }));
    defs.append(p);
  }
  return defs;
}

const fill = (id, i) => `url(#${id}-p${i})`;

// A round maximum for an axis: 1, 2, 2.5 or 5 times a power of ten, at least the largest value; for counts
// (whole), a multiple of 4 so that the four ticks are whole numbers too.
export function niceMax(v, whole) {
  if (!(v > 0)) return whole ? 4 : 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  let m = 10 * p;
  for (const k of [1, 2, 2.5, 5, 10]) if (k * p >= v) { m = k * p; break; }
  return whole && m % 4 ? Math.ceil(v / 4) * 4 : m;
}

function frame(id, title, label, h) {
  const svg = s("svg", { id, class: "chart", viewBox: `0 0 ${W} ${h}`, role: "img", "aria-label": label,
                          focusable: "false" });
  svg.append(s("title", {}, title), s("desc", {}, label));
  return svg;
}

// A short text of a long label (the whole one is in the aria-label and the table).
const clip = (t, n = 26) => (t.length > n ? t.slice(0, n - 1) + "…" : t);

function xAxis(svg, x0, x1, y, max, fmt) {
  const g = s("g", { class: "axis", "aria-hidden": "true" });
  for (let k = 0; k <= 4; k++) {
    const x = x0 + ((x1 - x0) * k) / 4;
    g.append(s("line", { x1: x, x2: x, y1: 4, y2: y, stroke: "#c4c8ce", "stroke-width": 1 }),
             s("text", { x, y: y + 16, "text-anchor": "middle", class: "tick" }, fmt((max * k) / 4)));
  }
  svg.append(g);
}

function legend(series, id) {
  const ul = document.createElement("ul");
  ul.className = "chart-legend";
  series.forEach((sr, i) => {
    const li = document.createElement("li");
    const sw = s("svg", { width: 28, height: 14, viewBox: "0 0 28 14", "aria-hidden": "true", focusable: "false" });
    if (sr.line) {
      sw.append(s("line", { x1: 0, x2: 28, y1: 7, y2: 7, stroke: COLOURS[i % COLOURS.length], "stroke-width": 2.5,
                            "stroke-dasharray": DASH[i % DASH.length] || null }), marker(i, 14, 7));
    } else sw.append(s("rect", { width: 28, height: 14, fill: fill(id, i), stroke: "#1b1f24", "stroke-width": 0.5 }));
    li.append(sw, document.createTextNode(" " + sr.label));
    ul.append(li);
  });
  return ul;
}

// The chart with its title shown above it (figcaption) and its legend below.
function figure(svg, leg, title) {
  const f = document.createElement("figure");
  f.className = "chart-wrap";
  const cap = document.createElement("figcaption");
  cap.textContent = title;
  f.append(cap, svg);
  if (leg) f.append(leg);
  return f;
}

// ---- bars: one value per row (the on-time share of each unit) ----
export function barChart({ id, title, items, max = 100, fmt = (v) => String(v) }) {
  const LW = 190, RW = 70, ROW = 30, TOP = 8;
  const h = TOP + Math.max(1, items.length) * ROW + 28;
  const label = title + ": " + (items.length ? items.map((it) => `${it.label} ${it.text}`).join("; ") : "—");
  const svg = frame(id, title, label, h);
  svg.append(patterns(id, [0]));
  const x0 = LW, x1 = W - RW, y1 = TOP + items.length * ROW;
  xAxis(svg, x0, x1, y1, max, fmt);
  items.forEach((it, i) => {
    const y = TOP + i * ROW;
    const wv = it.value === null || it.value === undefined ? 0 : Math.max(0, Math.min(1, it.value / max)) * (x1 - x0);
    svg.append(s("g", { class: "bar", "aria-hidden": "true" }, [
      s("text", { x: LW - 8, y: y + ROW / 2 + 5, "text-anchor": "end" }, clip(it.label)),
      s("rect", { x: x0, y: y + 5, width: wv, height: ROW - 10, fill: fill(id, 0) }),
      s("text", { x: x0 + wv + 6, y: y + ROW / 2 + 5, class: "value" }, it.text),
    ]));
  });
  return figure(svg, null, title);
}

// ---- stacked bars: parts of a total per row (an officer's open dossiers: overdue, due soon, the others) ----
export function stackedChart({ id, title, series, items, fmt = (v) => String(v) }) {
  const LW = 190, RW = 50, ROW = 30, TOP = 8;
  const h = TOP + Math.max(1, items.length) * ROW + 28;
  const label = title + ": " + (items.length ? items.map((it) => it.describe ||
    `${it.label}: ` + series.map((sr, k) => `${sr.label} ${it.texts[k]}`).join(", ")).join("; ") : "—");
  const svg = frame(id, title, label, h);
  svg.append(patterns(id, series.map((sr, k) => (sr.tone === undefined ? k : sr.tone))));
  const max = niceMax(Math.max(0, ...items.map((it) => it.parts.reduce((a, b) => a + b, 0))), true);
  const x0 = LW, x1 = W - RW, y1 = TOP + items.length * ROW;
  xAxis(svg, x0, x1, y1, max, fmt);
  items.forEach((it, i) => {
    const y = TOP + i * ROW;
    const g = s("g", { class: "bar", "aria-hidden": "true" }, s("text", { x: LW - 8, y: y + ROW / 2 + 5, "text-anchor": "end" }, clip(it.label)));
    let x = x0;
    it.parts.forEach((v, k) => {
      const wv = (Math.max(0, v) / max) * (x1 - x0);
      if (wv > 0) g.append(s("rect", { x, y: y + 5, width: wv, height: ROW - 10, fill: fill(id, k), stroke: "#fff", "stroke-width": 1 }));
      x += wv;
    });
    g.append(s("text", { x: x + 6, y: y + ROW / 2 + 5, class: "value" }, fmt(it.parts.reduce((a, b) => a + b, 0))));
    svg.append(g);
  });
  return figure(svg, legend(series, id), title);
}

// ---- lines: series over months ----
const DASH = [null, "6 4", "2 3", "8 3 2 3"];

// A point marker that differs by shape: square, circle, triangle, diamond.
function marker(i, x, y) {
  const c = COLOURS[i % COLOURS.length];
  switch (i % 4) {
    case 0: return s("rect", { x: x - 4, y: y - 4, width: 8, height: 8, fill: c });
    case 1: return s("circle", { cx: x, cy: y, r: 4.5, fill: "#fff", stroke: c, "stroke-width": 2.5 });
    case 2: return s("path", { d: `M${x},${y - 5} L${x + 5},${y + 4} L${x - 5},${y + 4} Z`, fill: c });
    default: return s("path", { d: `M${x},${y - 5} L${x + 5},${y} L${x},${y + 5} L${x - 5},${y} Z`, fill: c });
  }
}

export function lineChart({ id, title, labels, series, max, fmt = (v) => String(v) }) {
  const L = 56, R = 40, TOP = 12, H = 220, BOTTOM = 40;
  const h = TOP + H + BOTTOM;
  const label = title + ": " + (labels.length ? labels.map((m, j) =>
    `${m}: ` + series.map((sr) => `${sr.label} ${sr.texts[j]}`).join(", ")).join("; ") : "—");
  const svg = frame(id, title, label, h);
  const top = max || niceMax(Math.max(0, ...series.flatMap((sr) => sr.values.filter((v) => v !== null))), true);
  const y = (v) => TOP + H - (Math.max(0, v) / top) * H;
  const step = labels.length > 1 ? (W - L - R) / (labels.length - 1) : 0;
  const x = (j) => (labels.length > 1 ? L + j * step : (L + W - R) / 2);
  const axis = s("g", { class: "axis", "aria-hidden": "true" });
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    axis.append(s("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#c4c8ce", "stroke-width": 1 }),
                s("text", { x: L - 6, y: y(v) + 5, "text-anchor": "end", class: "tick" }, fmt(v)));
  }
  const every = Math.ceil(labels.length / 12);
  labels.forEach((m, j) => {
    if (j % every === 0) axis.append(s("text", { x: x(j), y: TOP + H + 20, "text-anchor": "middle", class: "tick" }, m));
  });
  svg.append(axis);
  series.forEach((sr, i) => {
    const g = s("g", { class: "series", "aria-hidden": "true" });
    let d = "", pen = false;   // a month without a value breaks the line
    sr.values.forEach((v, j) => {
      if (v === null || v === undefined) { pen = false; return; }
      d += (pen ? "L" : "M") + x(j).toFixed(1) + "," + y(v).toFixed(1);
      pen = true;
    });
    if (d) g.append(s("path", { d, fill: "none", stroke: COLOURS[i % COLOURS.length], "stroke-width": 2.5,
                                "stroke-dasharray": DASH[i % DASH.length] }));
    sr.values.forEach((v, j) => { if (v !== null && v !== undefined) g.append(marker(i, x(j), y(v))); });
    svg.append(g);
  });
  return figure(svg, legend(series.map((sr) => ({ label: sr.label, line: true })), id), title);
}
