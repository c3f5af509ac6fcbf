/** Who is asking, as far as the audit log needs to know. */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
  /** The language of the page the person is reading ('en', 'es'): what they are sent is written in it. */
  locale?: string;
}

/** The user agent as kept in sessions and audit rows: at most 300 characters. */
export const keptUserAgent = (ctx: RequestContext): string | null => ctx.userAgent?.slice(0, 300) ?? null;
