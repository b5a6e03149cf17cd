import type { AppendResult, LogOffset } from './types.js';

/**
 * An append result whose offsets are built on first access. Appends return one offset per record, but the capture
 * path never reads them: building thousands of strings per batch for nothing was measurable garbage.
 */
export function lazyOffsets(build: () => LogOffset[]): AppendResult {
  let offsets: LogOffset[] | null = null;
  return {
    get offsets(): readonly LogOffset[] {
      offsets ??= build();
      return offsets;
    },
  };
}
