// End-to-end test of the dashboard in Debian's headless Chromium: sign in with password and a
// TOTP code computed here, see the queue, claim a case, decline it with a reason, ask for the
// override of an automatic decline, have a second user (an admin) confirm it, and see the
// audit entries. Saves screenshots of the queue, a case page and the charts.
//
// Run by crates/server/tests/dashboard_e2e.rs, which starts the server, seeds cases through the
// API and passes: IDV_BASE, IDV_NOW_S (the server's clock), IDV_PASSWORD, IDV_REVIEWER,
// IDV_ADMIN, IDV_REVIEW_CASE, IDV_DECLINED_CASE, IDV_SCREENSHOTS (a directory).
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from './browser.mjs';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const BASE = env('IDV_BASE');
const NOW_S = Number(env('IDV_NOW_S'));
const PASSWORD = env('IDV_PASSWORD');
const SHOTS = env('IDV_SCREENSHOTS');
mkdirSync(SHOTS, { recursive: true });

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const c of s) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error('not base32');
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 6238: HMAC-SHA-1 over the 30-second step, dynamic truncation, six digits. */
function totp(secret, unixSeconds) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const h = createHmac('sha1', secret).update(counter).digest();
  const o = h[h.length - 1] & 0x0f;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, '0');
}

function check(cond, what) {
  if (!cond) throw new Error(`e2e: ${what}`);
  console.log(`ok - ${what}`);
}

async function signIn(browser, user) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => { throw e; });
  await page.goto(`${BASE}/dashboard/queue`);
  check(page.url().endsWith('/dashboard/login'), `${user}: an anonymous visit lands on the sign-in page`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL('**/dashboard/login/totp', { timeout: 10000 }).catch(async (e) => {
    console.log(await page.content());
    throw e;
  });
  const secret = (await page.textContent('#totp-secret')).trim();
  const uri = await page.textContent('#totp-uri');
  check(uri.startsWith('otpauth://totp/idverify:'), `${user}: enrolment shows the otpauth URI`);
  await page.fill('input[name=code]', totp(base32Decode(secret), NOW_S));
  await page.click('form[action="/dashboard/login/totp"] button[type=submit]');
  await page.waitForURL('**/dashboard/queue');
  const cookies = await context.cookies();
  const c = cookies.find((x) => x.name === '__Host-idv_session');
  check(c && c.httpOnly && c.secure && c.sameSite === 'Strict', `${user}: the session cookie is __Host-, HttpOnly, Secure, SameSite=Strict`);
  return { context, page };
}

const browser = await launch();
try {
  // The reviewer: queue, claim, decline with a reason.
  const reviewer = env('IDV_REVIEWER');
  const { context: rc, page } = await signIn(browser, reviewer);
  const reviewCase = env('IDV_REVIEW_CASE');
  check(await page.isVisible(`a[href="/dashboard/cases/${reviewCase}"]`), 'the queue lists the case in review');
  await page.screenshot({ path: join(SHOTS, 'queue.png'), fullPage: true });

  await page.click(`a[href="/dashboard/cases/${reviewCase}"]`);
  await page.waitForURL(`**/dashboard/cases/${reviewCase}`);
  await page.click('#claim');
  await page.waitForSelector('#decide-form');
  check((await page.textContent('.claim.mine')).includes('You hold this case'), 'the claim is held');
  await page.waitForFunction(() => [...document.querySelectorAll('.evidence img')].every((i) => i.complete && i.naturalWidth > 0));
  const imgs = await page.$$eval('.evidence img', (xs) => xs.map((i) => i.naturalWidth));
  check(imgs.length >= 2 && imgs.every((w) => w > 0), 'the evidence images are decrypted and shown');
  await page.check('input[name=decision][value=declined]');
  await page.selectOption('#decide-form select[name=reason]', 'review_document_suspect');
  await page.fill('#decide-form textarea[name=note]', 'The photo looks glued on; the laminate is broken.');
  await page.screenshot({ path: join(SHOTS, 'case.png'), fullPage: true });
  await page.click('#decide-form button[type=submit]');
  await page.waitForSelector('#case-status .badge.declined');
  check(true, 'the case is declined by the reviewer');
  check((await page.textContent('#case-audit')).includes('case.decide'), 'the audit events of the case show the decision');

  // The first pair of eyes asks to override an automatic decline.
  const declinedCase = env('IDV_DECLINED_CASE');
  await page.goto(`${BASE}/dashboard/cases/${declinedCase}`);
  await page.selectOption('#override-form select[name=reason]', 'override_false_decline');
  await page.fill('#override-form textarea[name=note]', 'MRZ misread by the SDK; checked against the document by hand.');
  await page.click('#override-form button[type=submit]');
  await page.waitForSelector('#override-pending');
  check(!(await page.isVisible('#confirm-override')), 'the requester cannot confirm their own override');
  await page.click('header button[type=submit]');
  await page.waitForURL('**/dashboard/login');
  await rc.close();

  // The second pair of eyes (an admin) confirms; the audit entry is there.
  const { context: ac, page: admin } = await signIn(browser, env('IDV_ADMIN'));
  await admin.goto(`${BASE}/dashboard/cases/${declinedCase}`);
  await admin.click('#confirm-override');
  await admin.waitForSelector('#case-status .badge.approved');
  const audit = await admin.textContent('#case-audit');
  check(audit.includes('case.override_request') && audit.includes('case.override_confirm'), 'the override request and its confirmation are audit events of the case');
  await admin.screenshot({ path: join(SHOTS, 'case-override.png'), fullPage: true });
  await admin.goto(`${BASE}/dashboard/audit`);
  check((await admin.getAttribute('#chain-verdict', 'data-code')) === 'audit_chain_ok', 'the audit log verifies its hash chain');
  check((await admin.textContent('table.audit')).includes('case.override_confirm'), 'the audit log shows the override');
  await admin.goto(`${BASE}/dashboard/stats`);
  for (const id of ['#chart-volume', '#chart-decisions', '#chart-failures']) {
    check(await admin.isVisible(id), `the chart ${id} is drawn`);
  }
  await admin.screenshot({ path: join(SHOTS, 'charts.png'), fullPage: true });
  await ac.close();
  console.log('e2e: dashboard passed');
} finally {
  await browser.close();
}
