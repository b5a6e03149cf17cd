export { runDemo, DEFAULT_DEMO_OPTIONS, type RunDemoHooks } from './run-demo.js';
export { DEMO_STEPS } from './steps/index.js';
export type { DemoContext, DemoOptions, DemoReport, DemoStep, DemoStepReport, StepOutcome } from './types.js';
