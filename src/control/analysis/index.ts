// Canary analysis: the judge, the loop component, the gateway-side stats collector, operator actions, the store part.
export { createAnalysis, type Analysis, type AnalysisOptions, type AnalysisStatus, type RouteAnalysisStatus } from './analysis.js';
export { createRouteStatsCollector, type RouteStatsCollector, type RouteStatsCollectorOptions } from './collector.js';
export { startCanary, abortCanary, approveCanary, type CanaryStores } from './commands.js';
export {
  analysisSchema, parseAnalysisConfig, resolvePolicy, resolveWebhook, bucketMsOf, parseDuration, DEFAULT_POLICY,
  type AnalysisConfig, type RouteAnalysisConfig, type WebhookConfig,
} from './config.js';
export { judge, afterVerdict, afterApproval, describeFailure, CHECK_NAMES, type AnalysisPolicy, type CheckName, type CheckResult, type Verdict, type RunProgress, type RunStatus } from './judge.js';
export { intervalFigures, histogramQuantile, type IntervalFigures, type RouteStatsRow } from './figures.js';
export { openAnalysisStore } from './store/open.js';
export type { AnalysisStore, CanaryRun, StoredVerdict } from './store/types.js';
export { AnalysisError, AnalysisConfigError, CanaryStateError, WebhookError } from './errors.js';
