// /openapi.json, generated from the same registry and zod schemas the router validates with.
import { z } from 'zod';
import { bodyShape, paramsShape, queryShape, type AnyRoute } from './registry.ts';
import { errorSchema } from './schemas.ts';
import { PACKAGE_VERSION } from '../package-root.ts';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): Json {
  const s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete s.$schema;
  return s;
}

function outSchema(schema: z.ZodType): Json {
  const s = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete s.$schema;
  return s;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input',
  401: 'No token or a token that is not valid',
  403: 'The token may not do this',
  404: 'Not found',
  409: 'Conflicts with what exists',
  413: 'Body too large',
  429: 'Too many failed attempts',
};

function parameters(route: AnyRoute): Json[] {
  const out: Json[] = [];
  const add = (where: 'path' | 'query', shape: z.ZodObject<z.ZodRawShape>) => {
    const schema = jsonSchema(shape) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, s] of Object.entries(schema.properties ?? {})) {
      const description = typeof s.description === 'string' ? s.description : undefined;
      out.push({
        name,
        in: where,
        required: where === 'path' || (schema.required ?? []).includes(name),
        schema: s,
        ...(description ? { description } : {}),
      });
    }
  };
  add('path', paramsShape(route));
  add('query', queryShape(route));
  return out;
}

export function buildOpenApi(routes: AnyRoute[]): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const op: Json = {
      operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      parameters: parameters(route),
      security: route.access === 'public' ? [] : [{ header: [] }, { query: [] }, { bearer: [] }],
    };
    const content: Json = {};
    const body = bodyShape(route);
    if (body) content['application/json'] = { schema: jsonSchema(body) };
    if (route.raw) {
      for (const t of route.raw.types)
        content[t] = { schema: { type: 'string', format: 'binary', description: route.raw.description } };
    }
    if (route.streamBody) {
      for (const t of route.streamBody.types) {
        content[t] = {
          schema: { type: 'string', format: 'binary', description: route.streamBody.description },
        };
      }
    }
    if (Object.keys(content).length) {
      op.requestBody = {
        required: Boolean(route.raw || route.streamBody || (body && !body.safeParse({}).success)),
        content,
      };
    }
    const responses: Json = {};
    for (const [status, r] of Object.entries(route.responses)) {
      const c = r.contentType
        ? { [r.contentType]: { schema: { type: 'string' } } }
        : r.schema
          ? { 'application/json': { schema: outSchema(r.schema) } }
          : undefined;
      responses[status] = { description: r.description, ...(c ? { content: c } : {}) };
    }
    const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
    const errors = new Set([400]);
    if (route.access !== 'public') [401, 403].forEach((s) => errors.add(s));
    if (route.path.includes(':')) errors.add(404);
    if (route.method === 'post' || route.method === 'put') errors.add(409);
    if (route.raw || route.streamBody) errors.add(413);
    if (route.path === '/authenticate') errors.add(429);
    for (const s of errors) {
      if (!responses[s]) responses[s] = { description: ERROR_TEXT[s], content: errorContent };
    }
    op.responses = responses;
    (paths[path] ??= {})[route.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Nestbox API',
      version: PACKAGE_VERSION,
      description:
        'Manage a Nestbox mail store. Routes, parameters and answers follow WildDuck where it has them. ' +
        'Every answer is JSON; errors are {"error", "code"}. Unknown body and query fields are refused with 400.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        header: { type: 'apiKey', in: 'header', name: 'X-Access-Token' },
        query: { type: 'apiKey', in: 'query', name: 'accessToken' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
      schemas: { Error: outSchema(errorSchema) },
    },
    security: [{ header: [] }, { query: [] }, { bearer: [] }],
    paths,
  };
}
