// CI (PostgreSQL): two test servers failed to start with `Migration failed: schema "t_…" does not
// exist`, naming a schema another test had just dropped. Kysely's migrator lists every table of the
// database first, asking has_schema_privilege by name for each schema it saw; a schema dropped in
// between fails that listing. Another application sharing the database can do the same to us.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { storeKind } from '../helpers/harness.ts';

describe.runIf(storeKind === 'postgres')('migrations on a shared PostgreSQL database', () => {
  it('apply while other schemas of the database are created and dropped', async () => {
    const url = process.env.DATABASE_URL!;
    const other = await openDatabase({ kind: 'postgres', url, schema: undefined });
    let stop = false;
    let dropped = 0;
    const churn = (async () => {
      while (!stop) {
        const s = `churn_${Math.random().toString(36).slice(2, 10)}`;
        await sql`CREATE SCHEMA ${sql.id(s)}`.execute(other);
        await sql`CREATE TABLE ${sql.id(s)}.t (a int)`.execute(other);
        await sql`DROP SCHEMA ${sql.id(s)} CASCADE`.execute(other);
        dropped++;
        await new Promise((r) => setTimeout(r, 5)); // a busy neighbour, as a test suite's teardowns are
      }
    })();
    const applied: string[][] = [];
    try {
      for (let i = 0; i < 12; i++) {
        const schema = `mig_${Math.random().toString(36).slice(2, 10)}`;
        const db = await openDatabase({ kind: 'postgres', url, schema });
        try {
          applied.push(await migrateToLatest(db, schema));
        } finally {
          await sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(db);
          await db.destroy();
        }
      }
    } finally {
      stop = true;
      await churn;
      await other.destroy();
    }
    expect(dropped).toBeGreaterThan(12); // schemas really were dropped while the migrations ran
    expect(applied).toHaveLength(12);
    expect(applied[0]!.length).toBeGreaterThan(0);
    for (const names of applied) expect(names).toEqual(applied[0]); // every migration, each time
  });
});
