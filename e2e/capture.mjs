// The capture page end to end in headless Chromium with its fake camera fed a .y4m file: the
// welcome page, camera permission, document front and back, the selfie, the liveness step
// (colour flashes, challenge prompts), submission. One walk per language given; screenshots of
// each step into SHOTS_DIR. Fails (exit 1) on any step that does not happen.
//
// Env: BASE (https://localhost:port), Y4M (file), SHOTS_DIR, RUNS (JSON: [{lang, id, token}]).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from './browser.mjs';

const base = process.env.BASE;
const runs = JSON.parse(process.env.RUNS || '[]');
const shots = process.env.SHOTS_DIR;
if (!base || !process.env.Y4M || !shots || runs.length === 0) {
  console.error('BASE, Y4M, SHOTS_DIR and RUNS are required');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const browser = await launch([
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  `--use-file-for-fake-video-capture=${process.env.Y4M}`,
  // The test server's certificate is self-signed, made by `idverify init` for this run.
  '--ignore-certificate-errors',
]);
let failed = false;
try {
  for (const { lang, id, token } of runs) {
    const context = await browser.newContext({
      viewport: { width: 480, height: 900 },
      ignoreHTTPSErrors: true,
      locale: lang,
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    let n = 0;
    const snap = async (name) => {
      n += 1;
      const file = join(shots, `capture-${lang}-${String(n).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path: file });
      console.log(`screenshot ${file}`);
    };
    const visible = (step) => page.waitForSelector(`section[data-step="${step}"]:not([hidden])`, { timeout: 30000 });
    await page.goto(`${base}/capture/#id=${id}&token=${token}&lang=${lang}`);
    await visible('welcome');
    // The token left the address bar.
    if (page.url().includes('token')) throw new Error('the token is still in the URL');
    const dir = await page.evaluate(() => document.documentElement.dir);
    if (dir !== (lang === 'ar' ? 'rtl' : 'ltr')) throw new Error(`dir ${dir} for ${lang}`);
    await snap('welcome');
    await page.keyboard.press('Tab');
    await page.click('#start');
    await visible('camera');
    await snap('camera');
    await page.click('#allow');
    for (const [i, name] of [[0, 'front'], [1, 'back'], [2, 'selfie']]) {
      await visible('shot');
      await page.waitForFunction(() => document.getElementById('video').videoWidth > 0, null, { timeout: 30000 });
      await page.waitForTimeout(300);
      await snap(`${name}`);
      await page.click('#capture');
      await page.waitForSelector('#use:not([hidden])');
      await snap(`${name}-preview`);
      await page.click('#use');
      if (i < 2) {
        await page.waitForFunction((k) => document.getElementById('capture').hidden === false
          && document.getElementById('shot-status').textContent === '', i, { timeout: 30000 });
      }
    }
    await visible('liveness');
    await page.waitForFunction(() => document.getElementById('video2').videoWidth > 0, null, { timeout: 30000 });
    await snap('liveness');
    await page.click('#live-start');
    await page.waitForFunction(() => document.body.classList.contains('flashing'), null, { timeout: 30000 });
    await page.waitForTimeout(200);
    await snap('liveness-colours');
    await page.waitForFunction(() => document.getElementById('prompt').dataset.challenge, null, { timeout: 30000 });
    await page.waitForTimeout(300);
    await snap('liveness-challenge');
    await visible('done').catch(async (e) => {
      await snap('failure');
      throw new Error(`${lang}: no done step: ${await page.textContent('#error-text')} ${e}`);
    });
    await snap('done');
    if (errors.length) throw new Error(`${lang}: page errors: ${errors.join('; ')}`);
    console.log(`walked ${lang} ${id}`);
    await context.close();
  }
} catch (e) {
  console.error(String(e && e.stack ? e.stack : e));
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
