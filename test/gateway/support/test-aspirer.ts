import type { GatewayAspireRequest, GatewayAspireResult, GatewayAspirer } from '../../../src/gateway/owner/aspire-port.js';
import type { LedgerStore } from '../../../src/state/types.js';
import { sortableCounter } from '../../../src/state/version-order.js';

export type Behaviour = 'ok' | 'gate' | 'fail' | 'throw' | 'quarantine';

/**
 * An aspirer for routing tests: it writes the real ledger (what a real aspire does last) and answers per key as told.
 * 'gate' holds the call until `release()`: the budget then certainly runs out first, whatever the machine's load.
 */
export class TestAspirer implements GatewayAspirer {
  readonly calls: GatewayAspireRequest[] = [];
  readonly behaviour = new Map<string, Behaviour>();
  #gate: { promise: Promise<void>; open: () => void };

  constructor(private readonly ledger: Pick<LedgerStore, 'upsertLedger'>) { this.#gate = TestAspirer.#newGate(); }

  static #newGate() {
    let open!: () => void;
    const promise = new Promise<void>((r) => { open = r; });
    return { promise, open };
  }

  release(): void { this.#gate.open(); this.#gate = TestAspirer.#newGate(); }

  async aspire(req: GatewayAspireRequest): Promise<GatewayAspireResult> {
    this.calls.push(req);
    const b = this.behaviour.get(req.key) ?? 'ok';
    switch (b) {
      case 'gate': await this.#gate.promise; return this.#migrate(req);
      case 'ok': return this.#migrate(req);
      case 'fail': return { outcome: 'failed', ms: 1, reason: 'NEXT_UNAVAILABLE', message: 'next refused the connection', retryable: true };
      case 'throw': throw new Error('aspirer crashed');
      case 'quarantine':
        await this.ledger.upsertLedger([{ entity: req.entity, key: req.key, state: 'quarantined', version: sortableCounter(1), origin: 'aspire' }]);
        return { outcome: 'quarantined', ms: 1, failed: [{ table: 'INVOICE', reason: 'validation' }] };
    }
  }

  async #migrate(req: GatewayAspireRequest): Promise<GatewayAspireResult> {
    await this.ledger.upsertLedger([{ entity: req.entity, key: req.key, state: 'copied', version: sortableCounter(1), origin: 'aspire' }]);
    return { outcome: 'migrated', ms: 1 };
  }
}
