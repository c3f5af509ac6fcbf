import type { Kysely, Selectable } from 'kysely';
import type { DB, PaymentsTable } from '../../db/schema.ts';

export type PaymentRow = Selectable<PaymentsTable>;

export function paymentsRepo(db: Kysely<DB>) {
  return {
    /** Fails on a second payment for the same invoice (unique index): paying twice is impossible. */
    async insert(row: PaymentRow): Promise<void> {
      await db.insertInto('payments').values(row).execute();
    },
    forInvoice(tenantId: string, invoiceId: string) {
      return db.selectFrom('payments').selectAll().where('tenant_id', '=', tenantId).where('invoice_id', '=', invoiceId).executeTakeFirst();
    },
  };
}
