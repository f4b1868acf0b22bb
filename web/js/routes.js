// routes.js — the screens of the web UI: their address (#/name/arg...), the menu entry that leads there and who
// sees it. A screen module is loaded only when first opened, so the first screen stays small.
//
// A screen module exports render(root, args) (root is an empty <section>; args are the address's segments after
// the name) and optionally onLang() (redraw what it formatted itself after a language switch) and leave().
// `show(me)` decides whether the menu offers the screen, `open(me)` (default: show) whether its address may be
// opened; the API decides what the caller may actually do.
import { hasRole, isCitizen } from "./core.js";

const staff = () => !isCitizen();

export const routes = [
  { name: "home", nav: "nav.home", show: () => true, load: () => import("./screens/home.js") },
  { name: "desk", nav: "desk.nav", show: () => hasRole("desk"), load: () => import("./screens/desk.js") },
  { name: "queue", nav: "queue.nav", show: () => hasRole("desk"), load: () => import("./screens/queue.js") },
  { name: "work", nav: "work.nav", show: () => hasRole("desk", "specialist", "leader", "clerk"), load: () => import("./screens/work.js") },
  { name: "leader", nav: "leader.nav", show: () => hasRole("leader"), load: () => import("./screens/leader.js") },
  { name: "dossier", show: () => false, open: () => true, load: () => import("./screens/dossier.js") },
  // Reports (issue 11): the leader's, the province official's and the administrator's; chart.js is loaded by them only.
  { name: "dashboard", nav: "dash.nav", show: () => hasRole("leader", "official", "admin"), open: staff, load: () => import("./screens/dashboard.js") },
  { name: "overview", nav: "overview.nav", show: () => hasRole("official", "admin"), open: staff, load: () => import("./screens/overview.js") },
  { name: "workload", nav: "workload.nav", show: () => hasRole("leader", "official", "admin"), open: staff, load: () => import("./screens/workload.js") },
  { name: "trend", nav: "trend.nav", show: () => hasRole("leader", "official", "admin"), open: staff, load: () => import("./screens/trend.js") },
  { name: "report-dossiers", show: () => false, open: staff, load: () => import("./screens/report_dossiers.js") },
  // Official documents (issue 12): the registers for their readers (clerk, leader, official) and for specialists,
  // who see there the documents they lead; signing keys for those who sign or seal; the edXML exchange inbox.
  { name: "documents", nav: "doc.nav", show: () => hasRole("clerk", "leader", "official", "specialist"), open: staff, load: () => import("./screens/documents.js") },
  { name: "document-new", show: () => false, open: staff, load: () => import("./screens/document_new.js") },
  { name: "document", show: () => false, open: staff, load: () => import("./screens/document.js") },
  // Tasks ("giao việc", issue 14): every staff member may lead or co-ordinate one; officials and leaders give them.
  { name: "tasks", nav: "task.nav", show: staff, load: () => import("./screens/tasks.js") },
  { name: "task", show: () => false, open: staff, load: () => import("./screens/task.js") },
  { name: "exchange", nav: "exch.nav", show: () => hasRole("clerk", "leader", "admin"), open: staff, load: () => import("./screens/exchange.js") },
  { name: "keys", nav: "keys.nav", show: () => hasRole("clerk", "leader", "admin"), open: staff, load: () => import("./screens/keys.js") },
  { name: "calendar", nav: "nav.calendar", show: staff, load: () => import("./screens/calendar.js") },
  // Administration: the menu offers it to administrators; any staff member may still open the address, and the API
  // answers what that caller may do (a desk officer opening #/admin-staff sees the API's refusal, not a blank page).
  { name: "admin-units", nav: "admin.nav.units", show: () => hasRole("admin"), open: staff, load: () => import("./screens/admin_units.js") },
  { name: "admin-staff", nav: "admin.nav.staff", show: () => hasRole("admin"), open: staff, load: () => import("./screens/admin_staff.js") },
  { name: "admin-procedures", nav: "admin.nav.procedures", show: () => hasRole("admin"), open: staff, load: () => import("./screens/admin_procedures.js") },
  { name: "admin-time", nav: "admin.nav.time", show: () => hasRole("admin"), open: staff, load: () => import("./screens/admin_time.js") },
  { name: "admin-sync", nav: "admin.nav.sync", show: () => hasRole("admin"), open: staff, load: () => import("./screens/admin_sync.js") },
  // portal: the National Public Service Portal connector (docs/portal.md)
  { name: "admin-portal", nav: "admin.nav.portal", show: () => hasRole("admin"), open: staff, load: () => import("./screens/admin_portal.js") },
];

export const defaultRoute = () => "home";
