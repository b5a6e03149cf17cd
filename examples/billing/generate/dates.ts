/** Day arithmetic in UTC day numbers, so that generated dates never depend on the machine's zone. */
const DAY = 86_400_000;

export const dayOf = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d) / DAY;
export const formatDay = (day: number): string => new Date(day * DAY).toISOString().slice(0, 10);
export const formatDateTime = (day: number, secondsOfDay: number): string => {
  const s = Math.floor(secondsOfDay);
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${formatDay(day)} ${hh}:${mm}:${ss}`;
};
export const monthOf = (day: number): [number, number] => {
  const d = new Date(day * DAY);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1];
};

/** Cents to a decimal text with two places: 123456 → '1234.56'. */
export function centsText(cents: number): string {
  const neg = cents < 0;
  const a = Math.abs(cents);
  return `${neg ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** Cents in the French format of the old screens: 123456 → '1 234,56'. */
export function centsFrench(cents: number): string {
  const [int, frac] = centsText(cents).split('.') as [string, string];
  return `${int.replace(/\B(?=(\d{3})+(?!\d))/g, ' ')},${frac}`;
}

/** Round half away from zero of a/b for integers (amount arithmetic stays in integers). */
export function divRound(a: number, b: number): number {
  const q = Math.floor(Math.abs(a) / b);
  const r = Math.abs(a) - q * b;
  const v = r * 2 >= b ? q + 1 : q;
  return a < 0 ? -v : v;
}
