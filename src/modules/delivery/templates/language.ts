// The language a message is written in. Every template's data carries an optional `locale`:
// absent (messages queued before there were languages) or unknown, the message is in English.
import { DEFAULT_LOCALE, INTL_TAG, isLocale, translator, type Tr } from '../../../lib/i18n.ts';

export interface Localized {
  /** 'en' | 'es': the language of the person it is for. Absent or unknown: English. */
  locale?: string | null;
}

export const trFor = (locale: string | null | undefined): Tr => translator(isLocale(locale) ? locale : DEFAULT_LOCALE);

/** An instant as a time and a day, in UTC (we do not know the reader's zone): "3:42 PM UTC on November 25". */
export function timeAndDay(tr: Tr, epochMs: number): string {
  const tag = INTL_TAG[tr.locale];
  // Some ICU versions put a narrow no-break space before "PM": a plain one reads the same everywhere.
  const time = new Intl.DateTimeFormat(tag, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(epochMs).replace(/[\u202f\u00a0]/g, ' ');
  const date = new Intl.DateTimeFormat(tag, { month: 'long', day: 'numeric', timeZone: 'UTC' }).format(epochMs);
  return tr.t('email:common.when', { time, date });
}

/** "Hi Maria," from a full name. */
export const greeting = (tr: Tr, fullName: string): string => tr.t('email:common.greeting', { name: fullName.trim().split(/\s+/)[0] || fullName });
