// Formatting for the English-only consoles. Homeowner pages and messages format through their
// language's Tr (lib/i18n.ts).

/** A North American number as people write it, "(512) 555-0187"; any other number in E.164. */
export const prettyPhone = (e164: string | null) => (e164 && /^\+1\d{10}$/.test(e164) ? `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}` : (e164 ?? ''));
