/** The faults that change what an answer says (as opposed to when or whether it comes). */
import type { Faults } from './faults.js';

type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Amount incl. tax recomputed from excl. tax and truncated to the cent (the legacy rounds half up). */
function truncatedTtc(inv: Json): void {
  if (typeof inv.amountExclTax === 'number' && typeof inv.vatRate === 'number') {
    inv.amountInclTax = Math.trunc(inv.amountExclTax * (100 + inv.vatRate)) / 100;
  }
}

export function applyDataFaults(route: string, body: Json, f: Faults): Json {
  if (!f.renamedField && !f.rounding && !f.wrongStatus) return body;
  const out = structuredClone(body);
  const customer = out.customer;
  if (isObj(customer)) {
    if (f.renamedField && isObj(customer.address)) {
      const { postalCode, ...rest } = customer.address;
      customer.address = { ...rest, zipCode: postalCode };
    }
    if (f.wrongStatus && customer.status === 'suspended') customer.status = 'active';
  }
  const invoices: unknown[] = Array.isArray(out.invoices) ? out.invoices : isObj(out.invoice) ? [out.invoice] : [];
  for (const inv of invoices) {
    if (!isObj(inv)) continue;
    if (f.rounding) truncatedTtc(inv);
    if (f.wrongStatus && inv.status === 'reminded') inv.status = 'issued';
  }
  if (f.wrongStatus && out.invoiceStatus === 'reminded') out.invoiceStatus = 'issued';
  void route;
  return out;
}
