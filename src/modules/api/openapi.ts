// The OpenAPI 3.1 document, generated from the zod schemas that validate the requests.
import { z } from 'zod';
import { clientBody, emailBody, invoiceBody, reportBody } from './schemas.ts';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });

export function buildOpenApi(publicUrl: string) {
  const error = {
    type: 'object',
    required: ['error'],
    properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' }, details: { type: 'array', items: { type: 'object' } } } } },
  };
  const errors = {
    '400': { description: 'The body does not fit the schema', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    '401': { description: 'Missing or invalid API key', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    '404': { description: 'Unknown object in this shop', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    '409': { description: 'The object is in a state that does not allow this', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  };
  const externalId = { name: 'externalId', in: 'path', required: true, description: 'Your own id for the object; PUT with the same id updates it (idempotent).', schema: { type: 'string' } };
  const put = (summary: string, ref: string) => ({
    summary,
    parameters: [externalId],
    requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } },
    responses: { '200': { description: 'Updated' }, '201': { description: 'Created' }, ...errors },
  });
  return {
    openapi: '3.1.0',
    info: { title: 'Servicio Portal integration API', version: '1.0.0', description: 'Feed clients, invoices and service reports from the shop’s main system, and trigger the automated emails that sign clients in with one tap.' },
    servers: [{ url: publicUrl }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A per-shop key from `servicio apikey create`: spk_…' } },
      schemas: { Error: error, Client: schema(clientBody), Invoice: schema(invoiceBody), Report: schema(reportBody), Email: schema(emailBody) },
    },
    paths: {
      '/api/v1/clients/{externalId}': { put: put('Create or update a client', 'Client') },
      '/api/v1/invoices/{externalId}': { put: put('Create or update an invoice (draft or sent)', 'Invoice') },
      '/api/v1/invoices/{externalId}/paid': { post: { summary: 'Mark an invoice paid (paid outside the portal)', parameters: [externalId], responses: { '200': { description: 'Paid' }, ...errors } } },
      '/api/v1/invoices/{externalId}/void': { post: { summary: 'Void an invoice; its email links stop signing in', parameters: [externalId], responses: { '200': { description: 'Void' }, ...errors } } },
      '/api/v1/reports/{externalId}': { put: put('Create or update a service report', 'Report') },
      '/api/v1/emails': {
        post: {
          summary: 'Send an automated email (invoice sent, invoice reminder, service report) with a sign-in link',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Email' } } } },
          responses: { '202': { description: 'Queued for delivery' }, ...errors },
        },
      },
    },
  };
}
