export { createDashboard, type Dashboard, type DashboardOptions } from './handler.js';
export { serveDashboard, type DashboardServer } from './serve.js';
export { storeActions } from './store-actions.js';
export { DashboardCollector } from './collector.js';
export type { DashboardActions, DashboardIdentity, DashboardRole, DashboardSnapshot, DashboardSources, Scoreboard } from './types.js';
