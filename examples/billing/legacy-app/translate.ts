/**
 * How the legacy application has always turned its codes into the public API's names. These maps are also the
 * cleaning `codeMap`s of the migration, so next stores what the API always said.
 */
export const CUSTOMER_STATUS: Readonly<Record<string, 'prospect' | 'active' | 'suspended' | 'closed'>> = { 0: 'prospect', 1: 'active', 2: 'suspended', 9: 'closed' };
export const CONTRACT_STATUS: Readonly<Record<string, 'pending' | 'active' | 'suspended' | 'terminated'>> = { E: 'pending', A: 'active', S: 'suspended', R: 'terminated' };
export const INVOICE_STATUS: Readonly<Record<string, 'issued' | 'paid' | 'reminded' | 'litigation' | 'cancelled'>> = { 1: 'issued', 2: 'paid', 3: 'reminded', 4: 'litigation', 9: 'cancelled' };
export const OFFER: Readonly<Record<string, 'essential' | 'comfort' | 'premium' | 'pro'>> = { ESS: 'essential', CONF: 'comfort', PREM: 'premium', PRO: 'pro' };
export const PAYMENT_METHOD: Readonly<Record<string, 'direct-debit' | 'card' | 'cheque' | 'transfer' | 'cash'>> = { PRE: 'direct-debit', CB: 'card', CHQ: 'cheque', VIR: 'transfer', ESP: 'cash' };
export const TITLE: Readonly<Record<string, 'mr' | 'mrs' | 'miss'>> = { 'M.': 'mr', MME: 'mrs', MLLE: 'miss' };

export const invert = <T extends string>(m: Readonly<Record<string, T>>): Record<T, string> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k])) as Record<T, string>;

/** The code's name, or 'unknown' for a code nobody documented (the legacy screens show "?"). */
export function lookup<T extends string>(map: Readonly<Record<string, T>>, code: string | number | null): T | 'unknown' {
  if (code === null) return 'unknown';
  return map[String(code).trim()] ?? 'unknown';
}
