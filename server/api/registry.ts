// The route registry: each route declares its method, path, access rule and the zod schemas of its
// params, query and body. The express router and /openapi.json are both built from these
// declarations, so the document can never drift from what the server validates.
//
// Unknown fields: bodies and query strings are validated with strict schemas, so a field a route
// does not know is refused with 400 (a typo never silently does nothing). The only extras accepted
// everywhere are `accessToken` (the token in the query) and WildDuck's `sess` / `ip` (ignored).
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { ServiceContext } from '../service.ts';
import { ApiError, badInput, describeZodError, forbidden } from './errors.ts';
import { principalOf, resolveUserParam, unauthorized, type Principal, type TokenStore } from './auth.ts';
import type { EventBus } from './event-bus.ts';
import type { ActivityFeed } from './activity-feed.ts';
import type { ServedDomains } from './served-domains.ts';

/** What every handler can reach besides the request. */
export interface ApiDeps {
  ctx: ServiceContext;
  tokens: TokenStore;
  bus: EventBus;
  feed: ActivityFeed;
  domains: ServedDomains;
}

/**
 * public: no token. token: any valid token. admin: the admin token only.
 * user: the admin token, or the token of the user named by `:user`.
 */
export type Access = 'public' | 'token' | 'admin' | 'user';

export type Method = 'get' | 'post' | 'put' | 'delete';

export type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface ResponseSpec {
  description: string;
  /** JSON schema source; omitted for non-JSON bodies. */
  schema?: z.ZodType;
  /** Content type when it is not JSON (message/rfc822, text/event-stream…). */
  contentType?: string;
}

export interface RawBody {
  /** Content types taken as raw bytes instead of JSON. */
  types: string[];
  /** Largest raw body, in bytes. */
  limit: (deps: ApiDeps) => number;
  description: string;
}

export interface HandlerInput<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  /** Raw bytes when the request used one of `raw.types`; then `body` is undefined. */
  raw: Buffer | undefined;
  /** The id of the user `:user` names (an id, a username, or `me` for the token's user), access-checked. */
  user: string;
  principal: Principal | null;
  req: Request;
  res: Response;
  deps: ApiDeps;
}

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: Method;
  path: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Largest JSON body in bytes (default 1 MiB). */
  jsonLimit?: (deps: ApiDeps) => number;
  raw?: RawBody;
  /** The handler reads the request body itself (large uploads); described for OpenAPI only. */
  streamBody?: { types: string[]; description: string };
  responses: Record<number, ResponseSpec>;
  /** Returns the JSON body to send (status 200), or undefined after writing the response itself. */
  handler(input: HandlerInput<P, Q, B>): Promise<unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any>;

export function defineRoute<
  P extends AnyObject = z.ZodObject<Record<string, never>>,
  Q extends AnyObject = z.ZodObject<Record<string, never>>,
  B extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<P, Q, B>): RouteSpec<P, Q, B> {
  return spec;
}

/** Query keys every route accepts besides its own. */
const COMMON_QUERY = {
  accessToken: z.string().max(512).optional(),
  sess: z.string().max(255).optional(),
  ip: z.string().max(100).optional(),
};

export function queryShape(route: AnyRoute): AnyObject {
  const own = (route.query ?? z.object({})) as AnyObject;
  return own.extend(COMMON_QUERY).strict();
}

export function paramsShape(route: AnyRoute): AnyObject {
  return ((route.params ?? z.object({})) as AnyObject).strict();
}

/** Body schema with WildDuck's `sess`/`ip` allowed on JSON objects. */
export function bodyShape(route: AnyRoute): z.ZodType | undefined {
  const b = route.body as z.ZodType | undefined;
  if (!(b instanceof z.ZodObject)) return b;
  // refined objects cannot be extended; safeExtend keeps their checks
  return (b as AnyObject).safeExtend({ sess: COMMON_QUERY.sess, ip: COMMON_QUERY.ip });
}

/** A validated body without WildDuck's `sess`/`ip`, which every route accepts and none keeps. */
export function withoutSessionFields<T extends object>(body: T): Omit<T, 'sess' | 'ip'> {
  const { sess: _s, ip: _i, ...rest } = body as T & { sess?: string; ip?: string };
  return rest;
}

/** JSON request bodies; whole messages are uploaded as raw bodies limited by the message size. */
const DEFAULT_JSON_LIMIT = 1024 * 1024;

function validate<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw badInput(describeZodError(r.error, where));
  return r.data;
}

function firstValues(q: Record<string, unknown>): Record<string, unknown> {
  // `?a=1&a=2` arrives as an array; a repeated scalar is refused rather than guessed at
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(q)) {
    if (Array.isArray(v) || (v !== null && typeof v === 'object')) {
      throw badInput(`query.${k}: must be given once, as a plain value`);
    }
    out[k] = v;
  }
  return out;
}

function contentTypeIs(req: Request, types: string[]): boolean {
  const ct = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return types.includes(ct);
}

export function mountRoutes(router: Router, routes: AnyRoute[], deps: ApiDeps): void {
  for (const route of routes) {
    const params = paramsShape(route);
    const query = queryShape(route);
    const body = bodyShape(route);
    const jsonParser = express.json({
      limit: route.jsonLimit ? route.jsonLimit(deps) : DEFAULT_JSON_LIMIT,
      type: ['application/json', 'application/*+json'],
    });
    const rawParser = route.raw ? express.raw({ type: route.raw.types, limit: route.raw.limit(deps) }) : null;

    const handle = async (req: Request, res: Response, next: NextFunction) => {
      try {
        let principal: Principal | null = null;
        if (route.access !== 'public') {
          principal = await principalOf(req, deps.ctx.adminToken, deps.tokens);
          if (!principal)
            throw unauthorized(
              Boolean(req.get('x-access-token') || req.get('authorization') || req.query.accessToken),
            );
          if (route.access === 'admin' && principal.kind !== 'admin')
            throw forbidden('this needs the admin token');
        }
        const p = validate(params, req.params, 'params') as Record<string, unknown>;
        let user = '';
        if (typeof p.user === 'string' && principal)
          user = await resolveUserParam(principal, p.user, deps.ctx.store.users);
        const q = validate(query, firstValues(req.query as Record<string, unknown>), 'query');
        let raw: Buffer | undefined;
        let b: unknown;
        if (!route.streamBody) {
          if (rawParser && contentTypeIs(req, route.raw!.types)) {
            await new Promise<void>((resolve, reject) =>
              rawParser(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
            );
            raw = Buffer.isBuffer(req.body) ? (req.body as Buffer) : Buffer.alloc(0);
          } else if (route.method !== 'get' && route.method !== 'delete') {
            await new Promise<void>((resolve, reject) =>
              jsonParser(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
            );
            if (body) b = validate(body, req.body ?? {}, 'body');
          } else if (body) {
            b = validate(body, req.body ?? {}, 'body');
          }
        }
        const out = await route.handler({
          params: p,
          query: q,
          body: b,
          raw,
          user,
          principal,
          req,
          res,
          deps,
        });
        if (out !== undefined && !res.headersSent) res.json(out);
      } catch (err) {
        next(err);
      }
    };
    router[route.method](route.path, handle);
  }
}

/** For errors thrown outside mountRoutes (kept here so the router and the 404 agree). */
export function routeNotFound(req: Request): ApiError {
  return new ApiError(404, 'NotFound', `no route for ${req.method} ${req.path}`);
}
