import type { Component, ComponentHealth } from '../supervisor/component.js';

/**
 * Adapters for plugging existing pieces into the supervisor in one line each (the control role's admin API and
 * canary analysis are built elsewhere with these shapes):
 *   listenerComponent('admin', { listen: () => api.listen(port, host), close: () => api.close() })
 *   loopComponent('analysis', { start: () => analysis.start(), stop: () => analysis.stop() })
 */
export function listenerComponent(name: string, o: { listen(): Promise<unknown>; close(): Promise<void>; detail?: () => Record<string, unknown> }): Component {
  let up = false;
  return {
    name,
    async start() { await o.listen(); up = true; },
    async stop() { if (!up) return; up = false; await o.close(); },
    health(): ComponentHealth { return up ? { ready: true, ...(o.detail ? { detail: o.detail() } : {}) } : { ready: false }; },
  };
}

/**
 * A background loop: `start()` begins it; when it returns a promise of its end (`finished`), an end or a failure
 * while running is reported to the supervisor, which restarts it.
 */
export function loopComponent(name: string, o: { start(): unknown; stop(): Promise<void> | void; finished?: () => Promise<void> }): Component {
  let up = false;
  return {
    name,
    async start() {
      await o.start();
      up = true;
      return o.finished ? { ended: o.finished() } : undefined;
    },
    async stop() { if (!up) return; up = false; await o.stop(); },
    health(): ComponentHealth { return { ready: up }; },
  };
}
