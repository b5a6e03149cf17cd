import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM } from './services.js';

/**
 * Debian's Chromium driven by playwright-core, with the flags this machine needs (its network is closed: background
 * networking would try hosts it cannot reach). Playwright makes its own empty profile; never pass --user-data-dir.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}
