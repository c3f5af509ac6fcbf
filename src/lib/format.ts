// Formatting shared by pages and emails. (Locales come with issue 11; today everything is en-US.)

/** Integer cents in a currency: 26500, 'USD' → "$265.00". */
export function money(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}

/** A calendar date (YYYY-MM-DD) in words: "November 25, 2026". Never shifted by time zones. */
export function longDate(isoDate: string): string {
  return new Date(`${isoDate}T12:00:00Z`).toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
}

/** An instant's calendar date in words, in UTC. */
export function longDateOf(epochMs: number): string {
  return new Date(epochMs).toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
}

/** A North American number as people write it, "(512) 555-0187"; any other number in E.164. */
export const prettyPhone = (e164: string | null) => (e164 && /^\+1\d{10}$/.test(e164) ? `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}` : (e164 ?? ''));
