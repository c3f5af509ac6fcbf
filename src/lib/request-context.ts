/** Who is asking, as far as the audit log needs to know. */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
}
