// A shop's logo, as pages and emails address it: always on our own origin, never the shop's host.
export function logoPath(tenantId: string, hash: string | null): string | null {
  return hash ? `/brand/${tenantId}/logo-${hash}` : null;
}

/** A shop's look in an email (absolute logo URL, since mail clients have no origin of ours). */
export function emailBrand(t: { id: string; slug: string; name: string; brand_color: string; logo_hash: string | null }, publicUrl: string) {
  return { shopName: t.name, brandColor: t.brand_color, logoUrl: t.logo_hash ? `${publicUrl}${logoPath(t.id, t.logo_hash)}` : null, signInUrl: `${publicUrl}/c/${t.slug}` };
}
