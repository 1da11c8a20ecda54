/* global document, navigator */
// The export panel: pick a format, see the value to deploy first and its evidence below it, copy
// the value alone. The service says which formats fit the campaign's allocator (parts=true).
import { ApiError, describeError, getJson } from './api.js';
import { el } from './dom.js';

// `env` fits every allocator; its answer names the preferred format, loaded next.
const FIRST_FORMAT = 'env';

async function copyText(text, textarea) {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Clipboard permission refused (headless, insecure origin): fall back to a selection copy.
    }
  }
  textarea.hidden = false;
  textarea.value = text;
  textarea.select();
  const ok = document.execCommand('copy');
  textarea.hidden = true;
  return ok;
}

/** What the copy button puts on the clipboard: the value; a one-line value without its newline (a paste must not run it). */
function clipboardText(value) {
  const body = value.replace(/\n$/, '');
  return body.includes('\n') ? value : body;
}

/** Build the panel for one campaign; `load()` (re)fetches the chosen format. */
export function exportPanel(campaignId) {
  const select = el('select', { id: 'export-format' });
  const setting = el('p', { id: 'export-setting', class: 'mono setting-line' });
  const text = el('pre', { id: 'export-text', class: 'export' });
  const evidence = el('pre', { id: 'export-evidence', class: 'export evidence' });
  const status = el('span', { id: 'export-status', class: 'note', role: 'status', text: 'the export appears once the baseline is measured' });
  const scratch = el('textarea', { class: 'scratch', hidden: true, 'aria-hidden': 'true' });
  let current = '';
  let latest = 0;
  const fillFormats = (formats) => {
    if (select.options.length > 0) return;
    select.replaceChildren(...formats.map((f) => el('option', { value: f, text: f })));
  };
  const load = async () => {
    const initial = select.options.length === 0;
    const format = initial ? FIRST_FORMAT : select.value;
    // Only the newest request may paint: a format switch can race a live refresh.
    const seq = ++latest;
    try {
      const parts = await getJson(`/v1/campaigns/${encodeURIComponent(campaignId)}/export?format=${encodeURIComponent(format)}&parts=true`);
      if (seq !== latest) return;
      fillFormats(parts.formats);
      if (initial && parts.formats[0] !== undefined && parts.formats[0] !== format) {
        select.value = parts.formats[0];
        return load();
      }
      select.value = format;
      current = parts.value;
      text.textContent = parts.value;
      text.dataset.format = format;
      evidence.textContent = parts.evidence;
      if (format === 'malloc_conf') {
        const value = parts.value.trim();
        setting.textContent = value ? `MALLOC_CONF=${value}` : 'MALLOC_CONF is empty: the allocator defaults won';
      } else setting.textContent = '';
      status.textContent = '';
    } catch (err) {
      if (seq !== latest) return;
      current = '';
      delete text.dataset.format;
      text.textContent = '';
      evidence.textContent = '';
      setting.textContent = '';
      status.textContent = err instanceof ApiError && err.status === 409 ? `nothing to export yet: ${err.message}` : describeError(err);
    }
  };
  select.addEventListener('change', () => void load());
  const copy = el('button', {
    id: 'export-copy',
    type: 'button',
    text: 'copy value',
    title: 'copies the value to deploy, without the evidence',
    onclick: async () => {
      if (!current) return;
      status.textContent = (await copyText(clipboardText(current), scratch)) ? 'value copied to the clipboard' : 'copy failed: select the text and copy it by hand';
    },
  });
  const node = el(
    'section',
    { class: 'panel', id: 'export-panel' },
    el('h2', { text: 'Export' }),
    el('div', { class: 'row' }, el('label', { for: 'export-format', text: 'format ' }), select, copy, status),
    setting,
    text,
    el('h3', { text: 'Evidence and deployment notes' }),
    evidence,
    scratch,
  );
  return { node, load };
}
