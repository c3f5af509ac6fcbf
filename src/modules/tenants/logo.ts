// A shop's logo, as pages and emails address it: always on our own origin, never the shop's host.
export function logoPath(tenantId: string, hash: string | null): string | null {
  return hash ? `/brand/${tenantId}/logo-${hash}` : null;
}
