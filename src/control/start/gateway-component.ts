import type { Logger } from '../../observe/logger.js';
import { runGateway, type RunningGateway, type RunGatewayOptions } from '../../gateway/run.js';
import type { Component, ComponentHealth } from '../supervisor/component.js';

/**
 * The gateway as a supervised component: one process (no cluster), routes followed from the state store, no admin
 * port of its own (the start process's health port serves /metrics; the admin API is its own component). `stop()`
 * drains: no new connection is accepted, in-flight requests finish (up to the gateway's shutdown grace).
 */
export function gatewayComponent(opts: Omit<RunGatewayOptions, 'workers' | 'adminPort' | 'adminToken' | 'adminTokenFile'>, log: Logger): Component {
  let running: RunningGateway | null = null;
  return {
    name: 'gateway',
    async start() {
      running = await runGateway({ ...opts, workers: 1, adminTokenFile: '' }, log);
    },
    async stop() {
      const r = running;
      running = null;
      await r?.stop();
    },
    health(): ComponentHealth {
      return running ? { ready: true, detail: { port: running.port } } : { ready: false };
    },
  };
}
