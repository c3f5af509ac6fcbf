import { errorCatalog } from '../../lib/app-error.ts';

export const paymentErrors = errorCatalog({
  INVOICE_NOT_OPEN: { status: 409, vars: ['context'], message: (state: 'void' | 'paid' | string) => (state === 'void' ? 'This invoice was cancelled by the shop and needs no payment.' : 'This invoice is already paid.'), doc: 'The invoice is paid or void.' },
  PAYMENT_DECLINED: {
    status: 402,
    vars: ['why'],
    context: (why?: string) => (why ? 'why' : undefined),
    message: (why?: string) => `The payment did not go through${why ? `: ${why}` : ''}. Nothing was charged; please try again.`,
    doc: 'The payment provider declined the charge; nothing was charged.',
  },
});
