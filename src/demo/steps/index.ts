import type { DemoStep } from '../types.js';
import { prepareStep } from './prepare.js';
import { generateLegacyStep } from './generate-legacy.js';
import { migrateStep, nextSchemaStep } from './migrate.js';
import { migratedStep } from './migrated.js';
import { startAppsStep } from './start-apps.js';
import { samplesStep } from './samples.js';
import { capturedStep } from './capture.js';
import { gatewayShadowStep } from './gateway-shadow.js';
import { adminStep } from './admin.js';
import { gatewayStep } from './gateway.js';
import { canaryStep } from './canary.js';
import { badCanaryStep } from './bad-canary.js';
import { ownerStep } from './owner.js';
import { promoteStep } from './promote.js';
import { verifyStep } from './verify.js';
import { scoreboardStep } from './scoreboard.js';

/**
 * The demo story, in order: legacy under traffic → capture and backfill (paused half-way through the customers) →
 * shadow with a planted difference → canary 10 % → 50 % → next, stepped by the analysis → a bad canary it rolls back →
 * owner mode, aspire on first touch, backfill resumed → capture checked, migration stopped → legacy = migrated +
 * quarantined → verify → promotion to next → the scoreboard.
 */
export const DEMO_STEPS: readonly DemoStep[] = [
  prepareStep, generateLegacyStep, nextSchemaStep, adminStep, startAppsStep, migrateStep, gatewayShadowStep, samplesStep,
  gatewayStep, canaryStep, badCanaryStep, ownerStep, capturedStep, migratedStep, verifyStep, promoteStep, scoreboardStep,
];
