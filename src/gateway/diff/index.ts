// Response diff, noise cancellation and record/replay: the library surface of this area.
export { diffJson } from './json-diff.js';
export { diffResponses, diffBodies, type ComparableResponse } from './response-diff.js';
export { parseJson, parseJsonFast, canonicalNumber, JsonNumber, JsonOpaque, type JsonNode } from './json-value.js';
export { normalisePath, isUnderPrefix } from './path.js';
export type { Difference, DiffKind, DiffOptions, DiffResult, DiffLimit } from './types.js';
export { NoiseRules, type NoiseConfig, type FieldVerdict } from './noise.js';
export { Redactor, DEFAULT_PII_FIELDS, type RedactionConfig } from './redact.js';
export { DiffAggregator, type AggregatorOptions, type AggregateCaps } from './aggregate.js';
export { DiffSink, type DiffSinkOptions } from './diff-sink.js';
export type { DiffReport, EndpointReport, FieldReport, KindReport, DiffSample } from './report.js';
export { formatReport } from './report-text.js';
export { diffStorePersister } from './store-persist.js';
export { DiffError, DiffConfigError } from './errors.js';
export { Recorder, teeSinks, type RecorderOptions, type RecorderStats } from '../record/recorder.js';
export { replay, type ReplayOptions, type ReplayResult } from '../record/replayer.js';
export { startRecording, type RecordModeOptions, type RecordingSession } from '../record/record-mode.js';
export { parseSampling, type Sampling } from '../record/sampler.js';
export { RecordConfigError, RecordingFormatError } from '../record/errors.js';
