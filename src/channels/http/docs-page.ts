// A plain, self-contained HTML page generated from the OpenAPI document and the error catalogue: no scripts, no
// external assets, so it works offline and behind strict content-security policies.
import { ERROR_CODES } from '../../errors.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

interface Operation {
  summary?: string;
  description?: string;
  responses?: Record<string, { description?: string }>;
}

export function renderDocsPage(doc: Record<string, unknown>): string {
  const info = doc.info as { title: string; version: string; description: string };
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  const sections = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => `<li><code>${escapeHtml(status)}</code> ${escapeHtml(r.description ?? '')}</li>`)
        .join('');
      return `<section><h2><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2><p><strong>${escapeHtml(op.summary ?? '')}</strong></p>${
        op.description ? `<p>${escapeHtml(op.description)}</p>` : ''
      }<ul>${responses}</ul></section>`;
    }),
  );
  const errors = Object.entries(ERROR_CODES)
    .map(([code, spec]) => `<tr><td><code>${code}</code></td><td>${spec.status}</td><td>${escapeHtml(spec.summary)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:0 .2em}section{border-top:1px solid #ddd;padding-top:.5rem}table{border-collapse:collapse}
td{border:1px solid #ddd;padding:.2rem .5rem;vertical-align:top}</style></head>
<body><h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1>
<p>${escapeHtml(info.description)}</p>
<p>Send a photo as <code>multipart/form-data</code> (field <code>image</code>), as a raw body with an <code>image/*</code>
content type, or as JSON <code>{"url": "https://…"}</code>. Errors are JSON <code>{"error":{"code","message"}}</code>.
The machine-readable description is at <a href="/openapi.json">/openapi.json</a>.</p>
${sections.join('\n')}
<section><h2>Error codes</h2><table><tr><th>code</th><th>status</th><th>meaning</th></tr>${errors}</table></section>
</body></html>
`;
}
