import type { Migration } from './migration.js';

// The ledger change feed (`ledgerChanges`): every insert or update of a ledger line gets a fresh sequence number, so a
// gateway's cache follows the ledger with one indexed range read per poll instead of asking per request.
//
// SQLite: writers are serialised by the database lock, so `max(seq) + 1` taken inside the writing transaction is in
// commit order: a reader that has seen `seq <= n` can never later find a committed line below n. Triggers (not the
// adapter's statements) stamp it, so every writer, present or future, is covered.
//
// PostgreSQL: sequence numbers are taken before commit, so a line with a smaller number can commit after a reader
// went past it. Each line also records the writing transaction (`change_txid`, xid8) and readers only take lines
// whose transaction is older than every transaction still running (`pg_snapshot_xmin`), ordered by (txid, seq) — the
// same gap-free rule as the event log's PostgreSQL reader (DESIGN.md). Existing lines get numbers at migration.
export const m030LedgerFeed: Migration = {
  id: 30,
  description: 'ledger change feed (seq; change_txid on PostgreSQL)',
  sqlite: `
    ALTER TABLE ledger ADD COLUMN seq INTEGER;
    UPDATE ledger SET seq = r.n FROM (SELECT entity, key, row_number() OVER (ORDER BY entity, key) AS n FROM ledger) AS r
      WHERE r.entity = ledger.entity AND r.key = ledger.key;
    CREATE INDEX ledger_seq ON ledger (seq);
    CREATE TRIGGER ledger_seq_insert AFTER INSERT ON ledger BEGIN
      UPDATE ledger SET seq = (SELECT coalesce(max(seq), 0) + 1 FROM ledger) WHERE entity = NEW.entity AND key = NEW.key;
    END;
    CREATE TRIGGER ledger_seq_update AFTER UPDATE OF state, version, origin ON ledger BEGIN
      UPDATE ledger SET seq = (SELECT coalesce(max(seq), 0) + 1 FROM ledger) WHERE entity = NEW.entity AND key = NEW.key;
    END;
  `,
  postgres: `
    CREATE SEQUENCE ledger_seq;
    ALTER TABLE ledger ADD COLUMN seq bigint NOT NULL DEFAULT nextval('ledger_seq'),
      ADD COLUMN change_txid xid8 NOT NULL DEFAULT pg_current_xact_id();
    CREATE INDEX ledger_change ON ledger (change_txid, seq);
    CREATE FUNCTION ledger_stamp() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
      NEW.seq := nextval('ledger_seq');
      NEW.change_txid := pg_current_xact_id();
      RETURN NEW;
    END $$;
    CREATE TRIGGER ledger_stamp BEFORE UPDATE ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_stamp();
  `,
};
