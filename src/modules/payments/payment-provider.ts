// How money is taken. The built-in test provider records a payment without charging anyone; a
// real provider (e.g. Stripe Checkout) implements the same interface.
import { randomToken } from '../../lib/crypto.ts';

export interface Charge {
  tenantId: string;
  invoiceId: string;
  amountCents: number;
  currency: string;
  /** Same key for the same invoice: a provider that sees it twice charges once. */
  idempotencyKey: string;
}

export interface PaymentProvider {
  name: string;
  /** Takes the payment and returns the provider's reference; throws when it was declined. */
  charge(c: Charge): Promise<{ reference: string }>;
}

export function testPaymentProvider(): PaymentProvider {
  return {
    name: 'test',
    async charge() {
      return { reference: `test_${randomToken(12)}` };
    },
  };
}
