import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { App } from '../../src/main/http';

describe('openapi', () => {
  it('documents routes, params, query, bodies and responses from their schemas', () => {
    const app = new App();
    app.get('/v1/health', { summary: 'Health', tags: ['meta'] }, () => ({ status: 'ok' }));
    app.group('/v1', (g) => {
      g.post(
        '/datasets',
        { schema: { body: z.object({ name: z.string().min(1) }), response: { 201: z.object({ id: z.string(), name: z.string() }) } } },
        (ctx) => ({ id: '1', name: ctx.valid.body.name }),
      );
      g.get('/datasets/:id(\\d+)/images', { schema: { query: z.object({ limit: z.coerce.number().optional(), label: z.string() }) } }, () => []);
      g.ws('/events', () => undefined, { summary: 'Change feed' });
      g.post(
        '/files',
        {
          schema: {
            requestBody: { content: [{ contentType: 'image/png', schema: { type: 'string', contentMediaType: 'image/png' } }] },
            response: { 204: null },
          },
        },
        () => undefined,
      );
    });
    const doc = app.openapi({ title: 'Test', version: '1.2.3', bearerAuth: true, public: ['GET /v1/health'] }) as any;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toEqual({ title: 'Test', version: '1.2.3' });
    expect(Object.keys(doc.paths).sort()).toEqual(['/v1/datasets', '/v1/datasets/{id}/images', '/v1/events', '/v1/files', '/v1/health']);
    expect(doc.paths['/v1/health'].get.security).toEqual([]);
    const post = doc.paths['/v1/datasets'].post;
    expect(post.requestBody.content['application/json'].schema.properties.name.type).toBe('string');
    expect(post.responses['201'].content['application/json'].schema.required).toEqual(['id', 'name']);
    expect(post.responses['4XX'].content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    expect(post.responses['5XX'].content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    // Every operation has an operationId: given, or made from the method and path.
    expect(post.operationId).toBe('postDatasets');
    expect(doc.paths['/v1/datasets/{id}/images'].get.operationId).toBe('getDatasetsByIdImages');
    // WebSocket endpoints are GETs that switch protocols.
    expect(doc.paths['/v1/events'].get).toMatchObject({ summary: 'Change feed', responses: { '101': { description: expect.any(String) } } });
    // Bodies a handler reads itself, and answers without a body.
    const files = doc.paths['/v1/files'].post;
    expect(files.requestBody.content['image/png'].schema.contentMediaType).toBe('image/png');
    expect(files.responses['204']).toEqual({ description: 'No Content' });
    const params = doc.paths['/v1/datasets/{id}/images'].get.parameters;
    expect(params).toContainEqual({ name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1, pattern: '^(?:\\d+)$' } });
    expect(params.find((p: any) => p.name === 'label').required).toBe(true);
    expect(params.find((p: any) => p.name === 'limit').required).toBe(false);
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
  });
});
