/* global document, navigator */
// The export panel: pick a format, see the text the service renders, copy it.
import { ApiError, describeError, getText } from './api.js';
import { el } from './dom.js';

const FORMATS = ['malloc_conf', 'env', 'systemd', 'malloc.conf', 'docker', 'k8s', 'json'];

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

/** Build the panel for one campaign; `load()` (re)fetches the chosen format, `chooseFormatFor(allocator)` picks the default. */
export function exportPanel(campaignId) {
  const select = el('select', { id: 'export-format' }, ...FORMATS.map((f) => el('option', { value: f, text: f })));
  const setting = el('p', { id: 'export-setting', class: 'mono setting-line' });
  const text = el('pre', { id: 'export-text', class: 'export' });
  const status = el('span', { id: 'export-status', class: 'note', role: 'status', text: 'the export appears once the baseline is measured' });
  const scratch = el('textarea', { class: 'scratch', hidden: true, 'aria-hidden': 'true' });
  let current = '';
  let latest = 0;
  const load = async () => {
    const format = select.value;
    // Only the newest request may paint: a format switch can race a live refresh.
    const seq = ++latest;
    try {
      const body = await getText(`/v1/campaigns/${encodeURIComponent(campaignId)}/export?format=${encodeURIComponent(format)}`);
      if (seq !== latest) return;
      current = body;
      text.textContent = current;
      text.dataset.format = format;
      if (format === 'malloc_conf') {
        const value = current.split('\n')[0] ?? '';
        setting.textContent = value ? `MALLOC_CONF=${value}` : 'MALLOC_CONF is empty: the allocator defaults won';
      } else setting.textContent = '';
      status.textContent = '';
    } catch (err) {
      if (seq !== latest) return;
      current = '';
      delete text.dataset.format;
      text.textContent = '';
      setting.textContent = '';
      status.textContent = err instanceof ApiError && err.status === 409 ? `nothing to export yet: ${err.message}` : describeError(err);
    }
  };
  select.addEventListener('change', () => void load());
  const copy = el('button', {
    id: 'export-copy',
    type: 'button',
    text: 'copy',
    onclick: async () => {
      if (!current) return;
      status.textContent = (await copyText(current, scratch)) ? 'copied to the clipboard' : 'copy failed: select the text and copy it by hand';
    },
  });
  const node = el('section', { class: 'panel', id: 'export-panel' }, el('h2', { text: 'Export' }), el('div', { class: 'row' }, el('label', { for: 'export-format', text: 'format ' }), select, copy, status), setting, text, scratch);
  // MALLOC_CONF is jemalloc's own setting; the other allocators are configured through their env.
  const chooseFormatFor = (allocator) => (select.value = allocator === 'jemalloc' ? 'malloc_conf' : 'env');
  return { node, load, chooseFormatFor };
}
