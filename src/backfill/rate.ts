/** Rows per second over a sliding window (default 10 s), for status and ETA. */
export class RateMeter {
  private readonly samples: { t: number; n: number }[] = [];

  constructor(private readonly windowMs = 10_000, private readonly now: () => number = () => Date.now()) {}

  add(n: number): void {
    this.samples.push({ t: this.now(), n });
    this.trim();
  }

  rate(): number {
    this.trim();
    if (this.samples.length === 0) return 0;
    const span = Math.max(1000, this.now() - this.samples[0]!.t);
    return (this.samples.reduce((a, s) => a + s.n, 0) * 1000) / span;
  }

  private trim(): void {
    const limit = this.now() - this.windowMs;
    while (this.samples.length > 0 && this.samples[0]!.t < limit) this.samples.shift();
  }
}
