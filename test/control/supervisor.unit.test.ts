import { afterEach, describe, expect, it } from 'vitest';
import { nextDelay } from '../../src/control/supervisor/backoff.js';
import type { Component, ComponentRun } from '../../src/control/supervisor/component.js';
import { Supervisor } from '../../src/control/supervisor/supervisor.js';
import { listenerComponent, loopComponent } from '../../src/control/start/adapters.js';
import { createLogger, redactSecrets } from '../../src/observe/logger.js';
import { renderMetrics, resetMetrics } from '../../src/observe/metrics.js';
import { SiphonError } from '../../src/errors.js';

const log = createLogger('test');
const FAST = { initialMs: 5, maxMs: 40, windowMs: 60_000 };
const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 400; i++) { if (check()) return; await new Promise((r) => setTimeout(r, 10)); }
  throw new Error(`timed out waiting for ${what}`);
};

/** A component scripted per start attempt: 'fail' rejects the start, 'crash' starts then ends with an error, 'run' runs. */
function scripted(name: string, script: ('fail' | 'crash' | 'run')[], events: string[]): Component & { crash(e: Error): void } {
  let attempt = 0;
  let crashNow: ((e: Error) => void) | null = null;
  let running = false;
  return {
    name,
    async start(): Promise<ComponentRun> {
      const step = script[Math.min(attempt++, script.length - 1)]!;
      events.push(`${name}:start:${step}`);
      if (step === 'fail') throw new Error(`cannot reach postgres://app:hunter2@db/x (attempt ${attempt})`);
      running = true;
      const ended = new Promise<void>((_, reject) => { crashNow = reject; });
      if (step === 'crash') setTimeout(() => crashNow?.(new Error('lost connection')), 5);
      return { ended };
    },
    async stop() { events.push(`${name}:stop`); running = false; },
    health: () => ({ ready: running }),
    crash(e: Error) { crashNow?.(e); },
  };
}

describe('supervisor', () => {
  afterEach(() => { resetMetrics(); });

  it('backs off exponentially within the window, capped, and forgets old failures', () => {
    const f: number[] = [];
    expect([0, 1, 2, 3, 4, 5].map((i) => nextDelay(f, FAST, 1000 + i))).toEqual([5, 10, 20, 40, 40, 40]);
    expect(nextDelay(f, FAST, 1000 + 120_000)).toBe(5);
  });

  it('restarts a component that cannot start or that fails while running; status shows failures, the redacted last error and the next retry', async () => {
    const events: string[] = [];
    const a = scripted('migrate', ['fail', 'fail', 'crash', 'run'], events);
    const b = scripted('gateway', ['run'], events);
    const sup = new Supervisor([a, b], { log, backoff: FAST, redact: redactSecrets });
    await sup.start();
    const m = () => sup.status().components.find((c) => c.name === 'migrate')!;
    expect(m().failures).toBe(1);
    expect(m().state).toBe('backoff');
    expect(m().nextRetryAt).not.toBeNull();
    expect(m().lastError!.message).toContain('postgres://app:***@db/x');
    expect(JSON.stringify(sup.status())).not.toContain('hunter2');
    expect(sup.ready()).toBe(false);
    await until(() => m().state === 'running' && m().failures === 3, 'the fourth attempt to run');
    expect(m()).toMatchObject({ failures: 3, restarts: 3, ready: true, nextRetryAt: null });
    expect(m().lastError!.message).toBe('lost connection');
    expect(sup.ready()).toBe(true);
    // every failed attempt was stopped before the next start
    expect(events.filter((e) => e.startsWith('migrate:'))).toEqual([
      'migrate:start:fail', 'migrate:stop', 'migrate:start:fail', 'migrate:stop', 'migrate:start:crash', 'migrate:stop', 'migrate:start:run']);
    const metrics = (await renderMetrics()).body;
    expect(metrics).toContain('siphon_component_failures_total{component="migrate"} 3');
    expect(metrics).toContain('siphon_component_restarts_total{component="migrate"} 3');
    expect(metrics).toContain('siphon_component_up{component="gateway"} 1');
    sup.drain();
    expect(sup.ready()).toBe(false);
    await sup.stop();
    expect(events.slice(-2)).toEqual(['gateway:stop', 'migrate:stop']); // last started, first stopped
    expect(sup.status().state).toBe('stopped');
  });

  it('fails the start on a fatal error (bad configuration) and stops what it started', async () => {
    const events: string[] = [];
    const ok = scripted('migrate', ['run'], events);
    const bad: Component = {
      name: 'gateway', health: () => ({ ready: false }), stop: async () => { events.push('gateway:stop'); },
      start: async () => { throw new SiphonError('CONFIG_GATEWAY', 'legacy.http: missing'); },
    };
    const sup = new Supervisor([ok, bad], { log, backoff: FAST, fatal: (e) => e instanceof SiphonError && e.code.startsWith('CONFIG_') });
    await expect(sup.start()).rejects.toThrow(/legacy.http: missing/);
    expect(events).toEqual(['migrate:start:run', 'migrate:stop']);
  });

  it('cancels a pending restart when stopped during backoff', async () => {
    const events: string[] = [];
    const a = scripted('migrate', ['fail'], events);
    const sup = new Supervisor([a], { log, backoff: { initialMs: 10_000, maxMs: 10_000, windowMs: 60_000 } });
    await sup.start();
    expect(sup.status().components[0]!.state).toBe('backoff');
    await sup.stop();
    expect(sup.status().components[0]!.state).toBe('stopped');
    expect(events).toEqual(['migrate:start:fail', 'migrate:stop']);
  });

  it('refuses two components with one name', () => {
    const events: string[] = [];
    expect(() => new Supervisor([scripted('x', ['run'], events), scripted('x', ['run'], events)], { log })).toThrow(/two components are named x/);
  });

  it('runs a listener and a loop through the adapters; a loop whose run ends is restarted', async () => {
    const calls: string[] = [];
    let fail: (e: Error) => void = () => undefined;
    const admin = listenerComponent('admin', { listen: async () => { calls.push('listen'); }, close: async () => { calls.push('close'); } });
    const analysis = loopComponent('analysis', {
      start: () => { calls.push('start'); },
      stop: () => { calls.push('stop'); },
      finished: () => new Promise<void>((_, reject) => { fail = reject; }),
    });
    const sup = new Supervisor([admin, analysis], { log, backoff: FAST });
    await sup.start();
    expect(sup.ready()).toBe(true);
    fail(new Error('analysis loop crashed'));
    await until(() => sup.status().components[1]!.restarts === 1 && sup.status().components[1]!.state === 'running', 'the loop restarted');
    await sup.stop();
    expect(calls).toEqual(['listen', 'start', 'stop', 'start', 'stop', 'close']);
  });
});
