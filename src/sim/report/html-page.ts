import { escapeXml } from './escape.js';

/**
 * The page around the report: inline CSS only, no script, no font or image from the
 * network, so it opens from file:// on a machine without internet.
 */
export function htmlPage(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const CSS = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --rule: #d8dee4; --band: #f3f5f7; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
p { margin: 8px 0; max-width: 80ch; }
.muted { color: var(--muted); }
.headline { font-size: 1.08rem; background: var(--band); border-left: 4px solid var(--accent); padding: 10px 14px; max-width: none; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 16px 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table { font-size: 0.88rem; }
th, td { padding: 4px 7px; border-bottom: 1px solid var(--rule); text-align: right; white-space: nowrap; vertical-align: bottom; }
th { background: var(--band); font-weight: 600; white-space: normal; max-width: 8em; line-height: 1.25; }
th:first-child, td:first-child { text-align: left; }
tbody tr:hover td { background: var(--band); }
tr.optimal td { background: #fbf6e8; }
tr.optimal td:first-child { font-weight: 700; }
figure { margin: 16px 0 24px; }
figure .scroll svg { display: block; width: 100%; height: auto; min-width: 860px; max-width: 1100px; }
figcaption { color: var(--muted); font-size: 0.92rem; margin-top: 6px; max-width: 90ch; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(380px, 100%), 1fr)); gap: 12px 20px; }
.grid figure { margin: 0; }
.grid figure .scroll svg { min-width: 380px; }
ul.files, ul.sources { padding-left: 20px; }
details.policies { margin: 8px 0; }
details.policies summary { cursor: pointer; color: var(--accent); }
details.policies dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; font-size: 0.92rem; }
details.policies dt { font-weight: 600; }
details.policies dd { margin: 0; }
code { font-size: 0.92em; background: var(--band); padding: 1px 4px; border-radius: 3px; }
a { color: var(--accent); }
@media (max-width: 600px) {
  main { padding: 16px 12px 32px; }
  dl.facts, details.policies dl { grid-template-columns: 1fr; }
  dl.facts dd, details.policies dd { margin-bottom: 6px; }
}
`.trim();
