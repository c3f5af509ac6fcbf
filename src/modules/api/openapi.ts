// The OpenAPI 3.1 document, generated from the operation table of api.routes.ts: the paths, the
// zod schemas that validate the bodies, and every error each operation can answer with.
import { z } from 'zod';
import type { ErrorDoc } from '../../lib/app-error.ts';
import type { Operation } from './api.routes.ts';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string', description: 'A sentence for the person who can fix it' },
        field: { type: 'string' },
        details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
        requestId: { type: 'string' },
      },
    },
  },
};

/** Errors grouped by status: one response per status, listing its codes. */
function errorResponses(errors: ErrorDoc[]) {
  const byStatus = new Map<number, ErrorDoc[]>();
  for (const e of errors) {
    const list = byStatus.get(e.status) ?? [];
    if (!list.some((x) => x.code === e.code && x.description === e.description)) list.push(e);
    byStatus.set(e.status, list);
  }
  return Object.fromEntries(
    [...byStatus].sort(([a], [b]) => a - b).map(([status, list]) => [
      String(status),
      {
        description: list.map((e) => `\`${e.code}\`: ${e.description}`).join('\n\n'),
        content: {
          'application/json': {
            schema: { allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { error: { properties: { code: { enum: [...new Set(list.map((e) => e.code))] } } } } }] },
          },
        },
      },
    ]),
  );
}

export function buildOpenApi(publicUrl: string, operations: Operation[], common: ErrorDoc[]) {
  const externalId = { name: 'externalId', in: 'path', required: true, description: 'Your own id for the object; PUT with the same id updates it (idempotent).', schema: { type: 'string' } };
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = { Error: errorSchema };
  for (const op of operations) {
    if (op.body) schemas[op.body.name] = schema(op.body.schema);
    paths[op.path] = {
      ...paths[op.path],
      [op.method.toLowerCase()]: {
        summary: op.summary,
        ...(op.path.includes('{externalId}') ? { parameters: [externalId] } : {}),
        ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.body.name}` } } } } } : {}),
        responses: {
          ...Object.fromEntries(Object.entries(op.answers).map(([status, description]) => [status, { description }])),
          ...errorResponses([...common, ...op.errors]),
          '500': { description: '`INTERNAL`: something went wrong on our side; the request can be retried (writes are idempotent).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Servicio Portal integration API', version: '1.0.0', description: 'Feed clients, invoices and service reports from the shop’s main system, and trigger the automated emails that sign clients in with one tap.' },
    servers: [{ url: publicUrl }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A per-shop key from `servicio apikey create`: spk_…' } },
      schemas,
    },
    paths,
  };
}
