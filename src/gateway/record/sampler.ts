import { assertNever } from '../../errors.js';
import { RecordConfigError } from './errors.js';

/**
 * Which exchanges get recorded: a rate (`0.05`: 5 %, decided from the trace id so that every gateway process and a
 * retried request agree) or one in N (`1/20`, counted per process).
 */
export type Sampling = { readonly kind: 'rate'; readonly rate: number } | { readonly kind: 'every'; readonly n: number };

export function parseSampling(text: string, where = '--sample'): Sampling {
  const every = /^1\/(\d+)$/.exec(text.trim());
  if (every) {
    const n = Number(every[1]);
    if (n < 1) throw new RecordConfigError(where, `"${text}": N in 1/N must be at least 1`);
    return { kind: 'every', n };
  }
  const rate = Number(text);
  if (text.trim() === '' || !Number.isFinite(rate) || rate <= 0 || rate > 1) {
    throw new RecordConfigError(where, `"${text}" is neither a rate in (0, 1] (e.g. 0.1) nor one-in-N (e.g. 1/20)`);
  }
  return { kind: 'rate', rate };
}

export class Sampler {
  private seen = 0;
  constructor(readonly sampling: Sampling = { kind: 'rate', rate: 1 }) {}

  take(traceId: string): boolean {
    const s = this.sampling;
    switch (s.kind) {
      case 'every':
        return this.seen++ % s.n === 0;
      case 'rate': {
        if (s.rate >= 1) return true;
        // the trace id's last 8 hex digits are uniformly random: compare them to the rate
        const v = Number.parseInt(traceId.slice(-8), 16);
        return Number.isFinite(v) ? v / 0x100000000 < s.rate : Math.random() < s.rate;
      }
      default:
        return assertNever(s, 'sampling');
    }
  }
}
