// idverify capture SDK: a small ES module for pages that talk to an idverify server with the
// verification's SDK token. No dependencies, nothing loaded from elsewhere.
//
//   import { Client, captureFrame, runLiveness } from '/capture/idverify-sdk.js';
//   const client = new Client({ baseUrl: '', verificationId, token });
//   await client.uploadDocument('front', jpegBlob);
//   await client.uploadSelfie(jpegBlob);
//   await runLiveness(client, video, { onColour, onPrompt, onProgress });
//   await client.submit();
//
// Every call retries network failures, 5xx and 429 (honouring Retry-After) with backoff, and
// rejects with an IdverifyError carrying the server's stable error code.

/** An error from the server (`code` as in the API's error body) or from the device. */
export class IdverifyError extends Error {
  constructor(code, message, status = 0) {
    super(message || code);
    this.name = 'IdverifyError';
    this.code = code;
    this.status = status;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The API client of one verification. */
export class Client {
  constructor({ baseUrl = '', verificationId, token, retries = 4, fetchImpl } = {}) {
    if (!/^vrf_[0-9a-f]{32}$/.test(verificationId || '')) {
      throw new IdverifyError('link_invalid', 'verification id missing or malformed');
    }
    if (!token) throw new IdverifyError('link_invalid', 'SDK token missing');
    this.base = `${baseUrl}/v1/verifications/${verificationId}`;
    this.token = token;
    this.retries = retries;
    this.fetch = fetchImpl || globalThis.fetch.bind(globalThis);
  }

  async request(method, path, { body, type, headers = {} } = {}) {
    let last;
    for (let attempt = 0; attempt <= this.retries; attempt += 1) {
      let res;
      try {
        res = await this.fetch(`${this.base}${path}`, {
          method,
          body,
          headers: {
            Authorization: `Bearer ${this.token}`,
            ...(type ? { 'Content-Type': type } : {}),
            ...headers,
          },
          credentials: 'omit',
          cache: 'no-store',
        });
      } catch (e) {
        last = new IdverifyError('network', String(e && e.message ? e.message : e));
        await sleep(400 * 2 ** attempt);
        continue;
      }
      if (res.ok) {
        const text = await res.text();
        return text ? JSON.parse(text) : {};
      }
      let err = {};
      try {
        err = (await res.json()).error || {};
      } catch (_) {
        /* not JSON */
      }
      last = new IdverifyError(err.code || `http_${res.status}`, err.message, res.status);
      if (res.status === 429 || res.status >= 500) {
        const after = Number(res.headers.get('Retry-After'));
        await sleep(Number.isFinite(after) && after > 0 ? after * 1000 : 400 * 2 ** attempt);
        continue;
      }
      throw last;
    }
    throw last;
  }

  /** Uploads a photo of the document's `front` or `back`. */
  uploadDocument(side, blob) {
    return this.request('PUT', `/document/${side}`, { body: blob, type: blob.type || 'image/jpeg' });
  }

  /** Uploads the selfie. */
  uploadSelfie(blob) {
    return this.request('PUT', '/selfie', { body: blob, type: blob.type || 'image/jpeg' });
  }

  /** Starts the liveness step: challenges, colours, deadline. */
  startLiveness() {
    return this.request('POST', '/liveness');
  }

  /** Uploads liveness frame `n`, taken `tMs` after the recording started. */
  uploadFrame(n, blob, tMs) {
    return this.request('PUT', `/liveness/${n}`, {
      body: blob,
      type: 'image/jpeg',
      headers: { 'X-Frame-Time': String(Math.max(0, Math.round(tMs))) },
    });
  }

  /** Submits the verification for processing. */
  submit() {
    return this.request('POST', '/submit');
  }
}

/** Opens the camera (`facing`: 'user' or 'environment'); maps refusals to stable codes. */
export async function openCamera(facing = 'user') {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw new IdverifyError('camera_unsupported', 'this browser cannot use a camera here');
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: facing, width: { ideal: 640 }, height: { ideal: 480 } },
    });
  } catch (e) {
    const name = e && e.name;
    const code =
      name === 'NotAllowedError' || name === 'SecurityError'
        ? 'camera_denied'
        : name === 'NotFoundError' || name === 'OverconstrainedError'
          ? 'camera_missing'
          : name === 'NotReadableError'
            ? 'camera_busy'
            : 'camera_failed';
    throw new IdverifyError(code, String(e && e.message ? e.message : e));
  }
}

/** One JPEG frame of a playing `<video>`, as the camera sees it (never mirrored). */
export function captureFrame(video, quality = 0.85) {
  const w = video.videoWidth;
  const h = video.videoHeight;
  if (!w || !h) return Promise.reject(new IdverifyError('camera_failed', 'no video yet'));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  canvas.getContext('2d').drawImage(video, 0, 0, w, h);
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new IdverifyError('capture_failed', 'no frame'))),
      'image/jpeg',
      quality,
    ),
  );
}

/**
 * Runs the liveness step on a playing camera `video`: starts it, shows the colour sequence
 * (`onColour(css | null)`: fill the screen with it), then prompts each challenge
 * (`onPrompt(challenge, index, count)`), capturing and uploading frames throughout
 * (`onProgress(done, total)`). Resolves when every frame is stored.
 */
export async function runLiveness(client, video, { onColour, onPrompt, onProgress } = {}) {
  const plan = await client.startLiveness();
  const maxFrames = plan.max_frames || 32;
  const colourMs = plan.colours.reduce((m, c) => Math.max(m, c.start_ms + c.duration_ms), 0);
  const colourFrames = Math.min(12, Math.floor(maxFrames / 3));
  const perChallenge = Math.max(
    3,
    Math.floor((maxFrames - colourFrames) / Math.max(1, plan.challenges.length)),
  );
  const total = colourFrames + perChallenge * plan.challenges.length;
  const uploads = [];
  let n = 0;
  let done = 0;
  const t0 = performance.now();
  const shoot = async () => {
    if (n >= maxFrames) return;
    const index = n;
    n += 1;
    const t = performance.now() - t0;
    const blob = await captureFrame(video);
    uploads.push(
      client.uploadFrame(index, blob, t).then(() => {
        done += 1;
        if (onProgress) onProgress(done, total);
      }),
    );
  };
  // The colour sequence, with frames spread over it.
  const timers = plan.colours.map(
    (c) => new Promise((r) => setTimeout(() => { if (onColour) onColour(c.css); r(); }, c.start_ms)),
  );
  for (let i = 0; i < colourFrames; i += 1) {
    const at = (colourMs * (i + 0.5)) / colourFrames;
    const wait = at - (performance.now() - t0);
    if (wait > 0) await sleep(wait);
    await shoot();
  }
  await Promise.all(timers);
  const left = colourMs - (performance.now() - t0);
  if (left > 0) await sleep(left);
  if (onColour) onColour(null);
  // The challenges, in order.
  for (let i = 0; i < plan.challenges.length; i += 1) {
    if (onPrompt) onPrompt(plan.challenges[i], i, plan.challenges.length);
    await sleep(700);
    for (let k = 0; k < perChallenge; k += 1) {
      await shoot();
      await sleep(350);
    }
  }
  if (onPrompt) onPrompt(null, plan.challenges.length, plan.challenges.length);
  await Promise.all(uploads);
  return { frames: n, plan };
}
