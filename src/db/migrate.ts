import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m0001 from './migrations/0001-initial.ts';
import * as m0002 from './migrations/0002-delivery-and-limits.ts';
import * as m0003 from './migrations/0003-portal-content.ts';
import * as m0004 from './migrations/0004-security-hardening.ts';
import * as m0005 from './migrations/0005-jobs.ts';
import * as m0006 from './migrations/0006-staff.ts';
import * as m0007 from './migrations/0007-support.ts';
import * as m0008 from './migrations/0008-homeowner.ts';

// Listed here rather than read from disk, so the bundle, the CLI and tests see the same set.
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-delivery-and-limits': m0002,
  '0003-portal-content': m0003,
  '0004-security-hardening': m0004,
  '0005-jobs': m0005,
  '0006-staff': m0006,
  '0007-support': m0007,
  '0008-homeowner': m0008,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Applies every pending migration; throws with the failing migration's name.
 *
 * Kysely's migrator lists every table of the database before it starts (to see whether its own
 * tables exist), and on PostgreSQL that listing asks `has_schema_privilege` by name for each schema
 * it saw: when another schema of the same database is dropped at that moment (another application's
 * deploy, or our own tests' teardown), it fails with `schema "<the other one>" does not exist`.
 * Nothing of ours has been touched by then, so that failure is tried again.
 */
export async function migrateToLatest(db: Kysely<any>, schema?: string, tries = 20): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(db, schema);
    } catch (err) {
      const other = /^Migration failed: schema "([^"]+)" does not exist$/.exec(err instanceof Error ? err.message : '');
      if (!other || other[1] === schema || attempt >= tries) throw err;
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40)); // out of step with the dropper
    }
  }
}

async function migrateOnce(db: Kysely<any>, schema?: string): Promise<string[]> {
  // Naming the schema keeps Kysely from mistaking another schema's migration tables for ours.
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const name = failed ? ` (${failed.migrationName})` : '';
    throw new Error(`Migration failed${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
