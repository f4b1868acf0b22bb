// routes.js — the screens of the web UI: their address (#/name/arg...), the menu entry that leads there and who
// sees it. A screen module is loaded only when first opened, so the first screen stays small.
//
// A screen module exports render(root, args) (root is an empty <section>; args are the address's segments after
// the name) and optionally onLang() (redraw what it formatted itself after a language switch) and leave().
// `show(me)` decides whether the menu offers the screen; the API decides what the caller may actually do.
import { hasRole, isCitizen } from "./core.js";

const staff = () => !isCitizen();

export const routes = [
  { name: "home", nav: "nav.home", show: () => true, load: () => import("./screens/home.js") },
  { name: "calendar", nav: "nav.calendar", show: staff, load: () => import("./screens/calendar.js") },
  { name: "desk", nav: "desk.nav", show: () => hasRole("desk"), load: () => import("./screens/desk.js") },
];

export const defaultRoute = () => "home";
