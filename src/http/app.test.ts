import { describe, expect, it } from 'vitest';
import { redactUrl } from './app.ts';

describe('redactUrl', () => {
  // Regression: signed email links (/s/…) were logged whole.
  it('keeps tokens of login and email links out of the logs', () => {
    expect(redactUrl(`/l/${'a'.repeat(48)}`)).toBe('/l/[redacted]');
    expect(redactUrl('/s/v1~app~abc~def~i~ghi~1~xyz.SIGNATURE')).toBe('/s/[redacted]');
    expect(redactUrl('/client-login?signed_out=1')).toBe('/client-login');
    expect(redactUrl('/portal/invoices/123')).toBe('/portal/invoices/123');
  });
});
