/** Shortest decimal that reads back as the same float32: what the server prints for a FLOAT column. */
export function float32Text(x: number): number {
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const c = Number(f.toPrecision(p));
    if (Math.fround(c) === f) return c;
  }
  return f;
}
