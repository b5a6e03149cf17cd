import { chromium, type Browser, type Page } from 'playwright-core';
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

/**
 * Waits until the element's text is exactly `want`. Polled from Node: the dashboard's CSP forbids eval, so
 * Playwright's waitForFunction (which evaluates its predicate in the page) fails there by design.
 */
export async function waitText(page: Page, selector: string, want: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: string | null = null;
  while (Date.now() < until) {
    last = await page.textContent(selector).catch(() => null);
    if (last === want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${selector}: text stayed ${JSON.stringify(last)}, wanted ${JSON.stringify(want)}`);
}
