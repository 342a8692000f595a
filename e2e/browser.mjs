// The one way every browser test starts Chromium: Debian's /usr/bin/chromium, headless, with
// nothing that reaches the network on its own (no updates, no safe-browsing, no metrics).
import { chromium } from 'playwright-core';

export const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-sync',
  '--metrics-recording-only',
  '--no-first-run',
  '--no-default-browser-check',
];

/** Launches Chromium; `extraArgs` adds flags (the fake camera, for one). */
export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.IDVERIFY_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_FLAGS, ...extraArgs],
  });
}
