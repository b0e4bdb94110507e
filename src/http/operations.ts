/**
 * Routes are registered by operationId: the method and path come from the OpenAPI document itself, so a route
 * can never drift from the contract it implements. Each edge keeps one file per operation exporting an
 * `Operation`; the edge's `routes.ts` lists them.
 */
import type {
  FastifyInstance,
  FastifyRequest,
  FastifySchema,
  preValidationAsyncHookHandler,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
} from 'fastify';
import type { OpenApiDocument } from './openapi.js';

type Method = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
const METHODS: readonly Method[] = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'];

export interface Operation<Route extends RouteGenericInterface = RouteGenericInterface> {
  operationId: string;
  schema?: FastifySchema;
  /** Runs before validation, e.g. to validate a missing optional body as `{}`. */
  preValidation?: (request: FastifyRequest<Route>) => Promise<void>;
  handler: RouteHandlerMethod<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Route>;
}

/** An operation with its route types erased, as the registry holds a list of different ones. */
export interface AnyOperation {
  operationId: string;
  schema?: FastifySchema;
  preValidation?: unknown;
  handler: unknown;
}

/** Method and Fastify path (`/v1/cards/:cardId`) of an operation, looked up in the document. */
export function locateOperation(doc: OpenApiDocument, operationId: string): { method: Method; url: string } {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, { operationId?: string }>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      if (item[method.toLowerCase()]?.operationId === operationId) {
        return { method, url: path.replace(/\{([^}]+)\}/g, ':$1') };
      }
    }
  }
  throw new Error(`operation ${operationId} is not in the OpenAPI document`);
}

/** Registers each operation on `scope` at the method and path its document gives it; returns those (for 405s). */
export function registerOperations(scope: FastifyInstance, doc: OpenApiDocument, operations: readonly AnyOperation[]): Array<{ method: Method; url: string }> {
  const located: Array<{ method: Method; url: string }> = [];
  for (const operation of operations) {
    const { method, url } = locateOperation(doc, operation.operationId);
    located.push({ method, url });
    // Each operation was type-checked against its own route shape in its file; the registry only passes it on.
    scope.route({
      method,
      url,
      ...(operation.schema ? { schema: operation.schema } : {}),
      ...(operation.preValidation ? { preValidation: operation.preValidation as preValidationAsyncHookHandler } : {}),
      handler: operation.handler as RouteHandlerMethod,
    });
  }
  return located;
}
