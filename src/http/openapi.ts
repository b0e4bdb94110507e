/**
 * The OpenAPI documents we serve, loaded once from `openapi/` and registered with Fastify as shared schemas,
 * so routes validate requests against the vendor contracts themselves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';

export const OPENAPI_DIR = join(PACKAGE_ROOT, 'openapi');

export type OpenApiDocument = { components: { schemas: Record<string, unknown> } } & Record<string, unknown>;

const cache = new Map<string, OpenApiDocument>();

export function loadOpenApi(file: string): OpenApiDocument {
  let doc = cache.get(file);
  if (!doc) {
    doc = JSON.parse(readFileSync(join(OPENAPI_DIR, file), 'utf8')) as OpenApiDocument;
    cache.set(file, doc);
  }
  return doc;
}

/** Schema ids under which each document's components are registered with Fastify. */
export const SCHEMA_IDS = {
  verifone: 'verifone',
  pismo: 'pismo',
  admin: 'admin',
  cryptogram: 'cryptogram',
} as const;

export const ref = (doc: keyof typeof SCHEMA_IDS, schema: string) => ({ $ref: `${SCHEMA_IDS[doc]}#/components/schemas/${schema}` });
