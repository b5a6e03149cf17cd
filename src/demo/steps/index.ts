import type { DemoStep } from '../types.js';
import { prepareStep } from './prepare.js';
import { generateLegacyStep } from './generate-legacy.js';
import { migrateStep, nextSchemaStep } from './migrate.js';
import { migratedStep } from './migrated.js';
import { startAppsStep } from './start-apps.js';
import { trafficStep } from './traffic.js';
import { samplesStep } from './samples.js';
import { capturedStep } from './capture.js';
import { gatewayShadowStep } from './gateway-shadow.js';
import { dashboardStep } from './dashboard.js';
import { verifyStep } from './verify.js';
import { scoreboardStep } from './scoreboard.js';

/** The demo story, in order. Later milestones insert their steps here (capture, backfill, shadow, canary, verify...). */
export const DEMO_STEPS: readonly DemoStep[] = [
  prepareStep, generateLegacyStep, nextSchemaStep, dashboardStep, startAppsStep, migrateStep, gatewayShadowStep, trafficStep, samplesStep, capturedStep,
  migratedStep, verifyStep, scoreboardStep,
];
