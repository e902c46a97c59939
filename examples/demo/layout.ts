import { html, SafeHtml } from "./html.ts";

/**
 * The document around every page: a little CSS and a dozen lines of script
 * that tick the countdowns. No build step, no framework: view source is the
 * whole front end.
 */
export function layout(title: string, subtitle: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<header>
  <h1>sealed-session <span>demo</span></h1>
  <p>${subtitle}</p>
</header>
<main>${body}</main>
<footer>Sessions sealed in the iron format (AES-256-CBC + HMAC-SHA256), byte-compatible with h3, vinxi and iron-session.</footer>
<script>${new SafeHtml(COUNTDOWN)}</script>
</body>
</html>`.value;
}

// Counts down to data-until and up from data-since, so the panel stays live without reloading.
const COUNTDOWN = `
const span = (ms) => {
  const s = Math.max(0, Math.floor(ms / 1000)), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return (h ? h + " h " : "") + (h || m ? m + " min " : "") + (s % 60) + " s";
};
const tick = () => {
  for (const el of document.querySelectorAll("[data-until]")) {
    const left = Number(el.dataset.until) - Date.now();
    el.textContent = left > 0 ? span(left) : "ended: reload to start afresh";
  }
  for (const el of document.querySelectorAll("[data-since]")) el.textContent = span(Date.now() - Number(el.dataset.since));
};
tick();
setInterval(tick, 1000);
`;

const STYLE = `
:root { --ink: #1d2330; --muted: #5d6675; --line: #e3e6ec; --accent: #3457d5; --bg: #f6f7f9; --ok: #1f7a4d; --warn: #9a5b00; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
header, main, footer { max-width: 1040px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 28px; }
h1 { margin: 0; font-size: 24px; letter-spacing: -0.01em; }
h1 span { color: var(--accent); font-weight: 500; }
header p { margin: 4px 0 20px; color: var(--muted); }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.1fr); gap: 18px; align-items: start; }
.stack { display: grid; gap: 18px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; }
.card h2 { margin: 0 0 10px; font-size: 16px; }
.card p { margin: 6px 0; }
.muted { color: var(--muted); font-size: 13px; }
.notice { grid-column: 1 / -1; background: #eef6f1; border: 1px solid #cfe6d8; color: var(--ok); border-radius: 10px; padding: 10px 16px; }
.notice.warn { background: #fdf5e8; border-color: #f0dfbf; color: var(--warn); }
form { display: inline; }
form.fields { display: grid; gap: 10px; }
label { display: grid; gap: 4px; font-size: 13px; color: var(--muted); }
input, select { font: inherit; padding: 7px 10px; border: 1px solid #c9ced8; border-radius: 6px; background: #fff; }
button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid #c9ced8; background: #fff; cursor: pointer; }
button:hover { border-color: var(--accent); }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: #b3261e; }
.row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.big { font-size: 40px; font-weight: 600; min-width: 2.5ch; font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; font-size: 13.5px; }
th { text-align: left; font-weight: 500; color: var(--muted); width: 34%; }
th, td { padding: 5px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
td { font-variant-numeric: tabular-nums; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
.bar { height: 8px; border-radius: 4px; background: var(--line); overflow: hidden; margin: 8px 0 2px; }
.bar i { display: block; height: 100%; background: var(--accent); }
ul.items { margin: 8px 0 0; padding-left: 18px; font-size: 13.5px; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; background: #eef1fb; color: var(--accent); font-size: 12px; }
footer { margin: 28px auto; color: var(--muted); font-size: 12.5px; }
@media (max-width: 760px) { main { grid-template-columns: 1fr; } }
`;
