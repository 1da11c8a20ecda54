/* global document, window */
// Entry point: hash routing (#/ the list, #/campaign/<id> one campaign, #/tournaments and
// #/tournament/<id>), the token form, and the banner that says when the service cannot be reached.
import { ApiError, UnreachableError, describeError, onConnectivity, post, storeToken, storedToken } from './api.js';
import { showCampaignList } from './campaign-list.js';
import { showCampaign } from './campaign-view.js';
import { showTournament, showTournamentList } from './tournament-view.js';
import { watchWorkers } from './workers-view.js';

const banner = document.getElementById('banner');
const view = document.getElementById('view');
const tokenInput = document.getElementById('token-input');
const tokenStatus = document.getElementById('token-status');

function showBanner(text) {
  banner.textContent = text;
  banner.hidden = !text;
}

onConnectivity((reachable, error) => {
  if (!reachable) showBanner(`${error.message}. Retrying; check that \`alloctune serve\` is running.`);
  else if (banner.dataset.kind !== 'auth') showBanner('');
});

function onError(err) {
  if (err instanceof UnreachableError) return; // The connectivity banner already says it.
  showBanner(describeError(err));
}

function setTokenStatus(text, ok) {
  tokenStatus.textContent = text;
  tokenStatus.className = ok ? 'note good' : 'note bad';
}

function onAuthError(err) {
  setTokenStatus(describeError(err), false);
}

/** Ask the service whether the stored token is right (POST /v1/auth/check: 204 or 401, no side effects). */
async function checkToken() {
  if (!storedToken()) {
    setTokenStatus('no token: reading works, cancelling needs the token', false);
    return;
  }
  try {
    await post('/v1/auth/check');
    setTokenStatus('token accepted', true);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) setTokenStatus(`wrong token: the service answered 401 (${err.message})`, false);
    else setTokenStatus(`token not checked: ${describeError(err)}`, false);
  }
}

document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  storeToken(tokenInput.value.trim());
  tokenInput.value = '';
  void checkToken();
});

let stopView = () => undefined;
function route() {
  stopView();
  showBanner('');
  const hash = window.location.hash;
  const campaign = /^#\/campaign\/([^/]+)$/.exec(hash);
  const tournament = /^#\/tournament\/([^/]+)$/.exec(hash);
  if (campaign) stopView = showCampaign(view, decodeURIComponent(campaign[1]), { onError, onAuthError });
  else if (tournament) stopView = showTournament(view, decodeURIComponent(tournament[1]), { onError });
  else if (hash === '#/tournaments') stopView = showTournamentList(view, { onError });
  else stopView = showCampaignList(view, { onError });
}

window.addEventListener('hashchange', route);
route();
watchWorkers({ onError });
void checkToken();
