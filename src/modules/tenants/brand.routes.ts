// A shop's logo from our own origin: immutable (the hash is in the URL), typed by its checked
// bytes, and sandboxed so even a mislabelled file could never run as a page.
import type { FastifyInstance } from 'fastify';
import type { TenantsService } from './tenants.service.ts';

export function brandRoutes(app: FastifyInstance, d: { tenants: Pick<TenantsService, 'logo'> }) {
  app.get<{ Params: { tenantId: string; file: string } }>('/brand/:tenantId/:file', async (req, reply) => {
    const m = /^logo-([0-9a-f]{16})$/.exec(req.params.file);
    if (!m || !/^[0-9a-f-]{36}$/.test(req.params.tenantId)) return reply.callNotFound();
    const logo = await d.tenants.logo(req.params.tenantId, m[1]!);
    if (!logo) return reply.callNotFound();
    return reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('content-security-policy', "default-src 'none'; sandbox")
      // Emails show the logo too, from a mail client's origin.
      .header('cross-origin-resource-policy', 'cross-origin')
      .type(logo.content_type)
      .send(Buffer.from(logo.bytes));
  });
}
