// The trials of a campaign: the filterable, sortable table, one trial's detail and the
// side-by-side comparison of two ticked trials.
import { el } from './dom.js';
import { parameterNames } from './series.js';
import { TRIAL_HEADERS, trialRow } from './tables.js';
import { downloadText, trialsCsv } from './trials-csv.js';
import { renderCompare } from './trial-compare.js';
import { trialDetail } from './trial-detail.js';
import { filterTrials, trialFilterBar } from './trial-filter.js';

/**
 * The panels (`nodes`: table, detail, compare) and `render(state)`, called with the view's state
 * (`campaign`, `trials`, `evidence`) after each refresh.
 */
export function trialsPanel(campaignId) {
  const tbody = el('tbody');
  const tableNode = el('table', { id: 'trials-table', class: 'grid' }, el('thead', {}, el('tr', {}, ...TRIAL_HEADERS.map((h) => el('th', { text: h })))), tbody);
  const compareNode = el('section', { class: 'panel', id: 'trial-compare', hidden: true });
  const compareStatus = el('span', { id: 'compare-status', class: 'note', text: 'tick two trials to compare them' });
  const detail = trialDetail(campaignId);
  const compared = [];
  let state;
  let shown = [];
  const csv = el('button', {
    id: 'trials-csv',
    type: 'button',
    text: 'download CSV (rows shown)',
    onclick: () => {
      if (!state) return;
      const { metrics } = state.campaign;
      downloadText(`${campaignId}-trials.csv`, trialsCsv(shown, parameterNames(state.trials), [...new Set([metrics.objective, ...metrics.constraints])]));
    },
  });

  const renderComparison = () => {
    const [a, b] = compared.map((tid) => state.trials.find((t) => t.trial_id === tid));
    if (!a || !b) {
      compareNode.hidden = true;
      compareStatus.textContent = compared.length === 1 ? `${compared[0]} ticked: tick one more trial to compare` : 'tick two trials to compare them';
      return;
    }
    compareStatus.textContent = `comparing ${a.trial_id} with ${b.trial_id} (below)`;
    const { metrics } = state.campaign;
    renderCompare(compareNode, a, b, [...new Set([metrics.objective, ...metrics.constraints, ...(state.evidence?.guards ?? []).map((g) => g.metric)])]);
  };

  const renderTable = () => {
    if (!state) return;
    const { campaign } = state;
    shown = filterTrials(state.trials, filterBar.value());
    filterBar.update(state.trials, shown.length);
    const handlers = {
      onDetail: (tid) => void detail.show(tid, campaign.metrics.objective, campaign.spec),
      onCompare: (tid, on) => {
        const i = compared.indexOf(tid);
        if (on && i < 0) compared.push(tid);
        if (!on && i >= 0) compared.splice(i, 1);
        // Ticking a third trial replaces the oldest of the two.
        while (compared.length > 2) compared.shift();
        renderTable();
        renderComparison();
      },
    };
    tbody.replaceChildren(...shown.map((t) => trialRow(t, campaign.spec.objective.metric, campaign.baseline_config, { ...handlers, compared: compared.includes(t.trial_id), spec: campaign.spec })));
  };
  const filterBar = trialFilterBar(renderTable);

  return {
    nodes: [el('section', { class: 'panel', id: 'trials-panel' }, el('h2', { text: 'Trials' }), filterBar.node, el('div', { class: 'row' }, compareStatus, csv), tableNode), detail.node, compareNode],
    render(next) {
      state = next;
      renderTable();
      renderComparison();
    },
  };
}
