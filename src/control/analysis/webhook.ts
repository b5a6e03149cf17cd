/**
 * Webhook on rollback, promotion and manual gate: a JSON POST, Slack-compatible (`text` is what Slack shows) with the
 * structured fields beside it for other receivers. Best effort: a failed delivery is logged (host only: a Slack
 * webhook URL is itself a secret) and never stops or slows the analysis loop beyond its timeout.
 */
import { request } from 'undici';
import type { Logger } from '../../observe/logger.js';
import type { ResolvedWebhook } from './config.js';
import { WebhookError } from './errors.js';
import type { CheckResult } from './judge.js';

export type WebhookEvent = 'canary.rollback' | 'canary.promote' | 'canary.gate' | 'canary.advance';

export interface WebhookPayload {
  /** Slack's field: one line for humans. */
  readonly text: string;
  readonly event: WebhookEvent;
  readonly route: string;
  /** Percentage of users on next after the event. */
  readonly percent: number;
  readonly step: number;
  readonly steps: readonly number[];
  readonly failedChecks: readonly string[];
  readonly checks: readonly CheckResult[];
  readonly at: string;
}

function hostOf(url: string): string {
  try { return new URL(url).host; } catch { return '(bad url)'; }
}

export async function postWebhook(hook: ResolvedWebhook, payload: WebhookPayload): Promise<void> {
  const host = hostOf(hook.url);
  let status: number;
  try {
    const r = await request(hook.url, {
      method: 'POST', headers: { 'content-type': 'application/json', ...hook.headers }, body: JSON.stringify(payload),
      headersTimeout: hook.timeoutMs, bodyTimeout: hook.timeoutMs,
    });
    status = r.statusCode;
    await r.body.dump();
  } catch (e) {
    throw new WebhookError(host, (e as Error).message);
  }
  if (status >= 300) throw new WebhookError(host, `HTTP ${status}`);
}

/** Posts without waiting for it; failures are logged once each. */
export function notify(hook: ResolvedWebhook | undefined, payload: WebhookPayload, log: Logger): Promise<void> {
  if (!hook) return Promise.resolve();
  return postWebhook(hook, payload).catch((e: Error) => log.warn({ error: e.message, event: payload.event, route: payload.route }, 'canary webhook not delivered'));
}
