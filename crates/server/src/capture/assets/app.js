// The capture page: camera permission, document front and back, selfie, the liveness step,
// submission; every failure with a clear message and a way to retry.
import { Client, IdverifyError, captureFrame, openCamera, runLiveness } from './idverify-sdk.js';
import { MESSAGES, RTL, t } from './i18n.js';

const $ = (id) => document.getElementById(id);

// The link: /capture/#id=vrf_…&token=…&lang=fr. The fragment never reaches a server; drop it
// from the address bar (and history) at once.
const params = new URLSearchParams(location.hash.slice(1));
if (location.hash) history.replaceState(null, '', location.pathname + location.search);

const state = {
  lang: pickLang(params.get('lang')),
  step: 'welcome',
  shot: 0,
  stream: null,
  blob: null,
  retry: null,
};

function pickLang(asked) {
  const candidates = [asked, ...(navigator.languages || [])].filter(Boolean);
  for (const c of candidates) {
    const l = c.slice(0, 2).toLowerCase();
    if (MESSAGES[l]) return l;
  }
  return 'en';
}

const SHOTS = [
  { upload: (c, b) => c.uploadDocument('front', b), title: 'front_title', hint: 'front_hint', facing: 'environment', guide: 'card' },
  { upload: (c, b) => c.uploadDocument('back', b), title: 'back_title', hint: 'back_hint', facing: 'environment', guide: 'card' },
  { upload: (c, b) => c.uploadSelfie(b), title: 'selfie_title', hint: 'selfie_hint', facing: 'user', guide: 'oval' },
];
const ORDER = ['welcome', 'camera', 'shot0', 'shot1', 'shot2', 'liveness', 'submit', 'done'];

function render() {
  const lang = state.lang;
  document.documentElement.lang = lang;
  document.documentElement.dir = RTL.has(lang) ? 'rtl' : 'ltr';
  document.title = t(lang, 'title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(lang, el.dataset.i18n);
  for (const b of document.querySelectorAll('#langs button')) {
    b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  }
  $('langs').setAttribute('aria-label', t(lang, 'language'));
  const key = state.step === 'shot' ? `shot${state.shot}` : state.step;
  const pos = ORDER.indexOf(key);
  $('progress').textContent = pos > 0 && pos < ORDER.length - 1 ? t(lang, 'step_of', { n: pos, total: ORDER.length - 2 }) : '';
  if (state.step === 'shot') {
    const s = SHOTS[state.shot];
    $('shot-h').textContent = t(lang, s.title);
    $('shot-hint').textContent = t(lang, s.hint);
    $('frame').className = `guide ${s.guide}`;
    document.body.classList.toggle('selfie', s.facing === 'user');
  }
  if (state.error) $('error-text').textContent = message(state.error);
}

function message(err) {
  const code = err instanceof IdverifyError ? err.code : 'generic';
  const table = MESSAGES[state.lang] || MESSAGES.en;
  return code in table ? t(state.lang, code) : t(state.lang, 'generic', { code });
}

function show(step) {
  state.step = step;
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.dataset.step !== step;
  render();
  const h = document.querySelector(`section[data-step="${step}"] h1`);
  if (h) {
    h.tabIndex = -1;
    h.focus();
  }
}

function fail(err, retry) {
  state.error = err;
  state.retry = retry;
  document.body.classList.remove('flashing');
  $('flash').style.background = 'transparent';
  show('error');
  $('live').textContent = message(err);
}

let client;
try {
  client = new Client({ verificationId: params.get('id'), token: params.get('token') });
} catch (e) {
  client = null;
  window.addEventListener('DOMContentLoaded', () => fail(e, null));
}

async function camera(facing) {
  if (state.stream) for (const tr of state.stream.getTracks()) tr.stop();
  state.stream = await openCamera(facing);
  for (const v of [$('video'), $('video2')]) v.srcObject = state.stream;
  await $('video').play().catch(() => {});
}

async function startShot(i) {
  state.shot = i;
  state.blob = null;
  $('still').hidden = true;
  $('video').hidden = false;
  $('capture').hidden = false;
  $('retake').hidden = true;
  $('use').hidden = true;
  $('shot-status').textContent = '';
  show('shot');
  try {
    await camera(SHOTS[i].facing);
  } catch (e) {
    fail(e, () => startShot(i));
  }
}

async function takeShot() {
  try {
    state.blob = await captureFrame($('video'), 0.92);
  } catch (e) {
    fail(e, () => startShot(state.shot));
    return;
  }
  const still = $('still');
  if (still.src) URL.revokeObjectURL(still.src);
  still.src = URL.createObjectURL(state.blob);
  still.alt = t(state.lang, SHOTS[state.shot].title);
  still.hidden = false;
  $('video').hidden = true;
  $('capture').hidden = true;
  $('retake').hidden = false;
  $('use').hidden = false;
  $('use').focus();
}

async function useShot() {
  const i = state.shot;
  $('use').disabled = true;
  $('shot-status').textContent = t(state.lang, 'uploading');
  try {
    await SHOTS[i].upload(client, state.blob);
  } catch (e) {
    $('use').disabled = false;
    fail(e, () => startShot(i));
    return;
  }
  $('use').disabled = false;
  if (i + 1 < SHOTS.length) startShot(i + 1);
  else startLivenessStep();
}

async function startLivenessStep() {
  show('liveness');
  $('prompt').textContent = '';
  $('frames-text').textContent = '';
  $('frames').value = 0;
  $('live-start').hidden = false;
  try {
    await camera('user');
    await $('video2').play().catch(() => {});
  } catch (e) {
    fail(e, startLivenessStep);
  }
}

async function runLive() {
  $('live-start').hidden = true;
  const lang = state.lang;
  try {
    await runLiveness(client, $('video2'), {
      onColour: (css) => {
        document.body.classList.toggle('flashing', Boolean(css));
        $('flash').style.background = css || 'transparent';
        if (css) $('prompt').textContent = t(lang, 'liveness_colours');
      },
      onPrompt: (challenge, i, n) => {
        if (!challenge) {
          $('prompt').textContent = '';
          return;
        }
        const text = `${t(lang, 'challenge_of', { n: i + 1, total: n })}: ${t(lang, challenge)}`;
        $('prompt').textContent = t(lang, challenge);
        $('prompt').dataset.challenge = challenge;
        $('live').textContent = text;
      },
      onProgress: (done, total) => {
        $('frames').max = total;
        $('frames').value = Math.min(done, total);
        $('frames-text').textContent = t(lang, 'frames_sent', { done: Math.min(done, total), total });
      },
    });
  } catch (e) {
    fail(e, startLivenessStep);
    return;
  }
  if (state.stream) for (const tr of state.stream.getTracks()) tr.stop();
  show('submit');
  try {
    await client.submit();
  } catch (e) {
    fail(e, () => runSubmit());
    return;
  }
  show('done');
}

async function runSubmit() {
  show('submit');
  try {
    await client.submit();
    show('done');
  } catch (e) {
    fail(e, runSubmit);
  }
}

window.addEventListener('DOMContentLoaded', () => {
  for (const b of document.querySelectorAll('#langs button')) {
    b.addEventListener('click', () => {
      state.lang = b.dataset.lang;
      render();
    });
  }
  $('start').addEventListener('click', () => show('camera'));
  $('allow').addEventListener('click', () => startShot(0));
  $('capture').addEventListener('click', takeShot);
  $('retake').addEventListener('click', () => startShot(state.shot));
  $('use').addEventListener('click', useShot);
  $('live-start').addEventListener('click', runLive);
  $('retry').addEventListener('click', () => {
    const r = state.retry;
    state.error = null;
    if (r) r();
    else show('welcome');
  });
  if (client) show('welcome');
  else render();
});
