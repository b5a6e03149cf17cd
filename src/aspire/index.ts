/**
 * Aspire (issue 13): pull one entity from legacy into next on demand, through the backfill's DBLog chunks and the one
 * apply path. In the process that runs the data path:
 *
 *   const flights = await openAspireFlights(config.state);
 *   const aspirer = await createAspirer({ config, legacy: capture.db, source, path, state: stateStore, flights });
 *   const r = await aspirer.aspire({ entity: 'customer', key: '42', trigger: 'gateway', actor: 'route:customers' });
 *
 * Elsewhere (CLI, gateway workers): `connectAspirer({ config })` queues requests that process serves.
 * `siphon migrate` wires the local one (RunningMigration.aspirer). HTTP: `aspireHandler(aspirer)`.
 */
export type { AspireTrigger, AspireRequest, AspireResult, AspireFailedRow, AspireOutcome, Aspirer } from './types.js';
export { createAspirer, type AspirerOptions, type LocalAspirer } from './aspirer.js';
export { connectAspirer, type RemoteAspirerOptions, type RemoteAspirer } from './remote.js';
export { aspireHandler, statusOf as aspireStatusCode, type AspireHttpAnswer } from './handler.js';
export { aspireMetrics, type AspireMetrics } from './metrics.js';
export { MIGRATED_TABLE } from './marker.js';
export { planEntities, type EntityPlan, type EntityTablePlan } from './plan.js';
export { AspireError, AspireUnknownEntityError, AspireBadKeyError, AspireConfigError } from './errors.js';
export { openAspireFlights } from '../state/aspire/open.js';
export type { AspireFlightStore, FlightRecord, FlightState } from '../state/aspire/types.js';
