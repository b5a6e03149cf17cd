import { ConfigError } from '../../config/errors.js';
import { SiphonError } from '../../errors.js';

/** Base of canary analysis errors (code `ANALYSIS_*`). */
export class AnalysisError extends SiphonError {}

/** The `analysis` section of the config, or a CLI flag standing for one of its fields, is wrong (exit 2). */
export class AnalysisConfigError extends ConfigError {
  constructor(readonly detail: string, readonly path: string) {
    super('CONFIG_ANALYSIS', `${path}: ${detail}`, [{ path, message: `${path}: ${detail}` }], { path });
  }
}

/** `canary approve|abort ROUTE` on a route with no active canary, or `canary start` on one already running (exit 2). */
export class CanaryStateError extends SiphonError {
  constructor(message: string, route: string, status: string | null) {
    super('ANALYSIS_CANARY_STATE', message, { route, status });
  }
}

/** A webhook could not be delivered (logged by the analysis, never thrown at the loop). */
export class WebhookError extends AnalysisError {
  constructor(host: string, detail: string) {
    super('ANALYSIS_WEBHOOK', `webhook to ${host} failed: ${detail}`, { host }, { retryable: true });
  }
}
