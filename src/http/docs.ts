/**
 * The API reference: `/openapi/<name>.json` serves each document of `openapi/` (`verifone-token-management`,
 * `pismo-tokenization`, `admin` — Tessera's own extensions: admin and sandbox — and `tessera-cryptogram`, the
 * merchant's cryptogram extension), and `/docs`
 * renders them all with Scalar, one document per tab.
 *
 * Everything the page loads comes from this server: the Scalar plugin serves its standalone bundle from
 * node_modules (`/docs/js/scalar.js`), its web fonts (fetched from Scalar's servers by default), telemetry and AI
 * agent are switched off, and the page's Content-Security-Policy only allows this origin, so a slip in that
 * configuration shows as a blocked request rather than a call to a third party.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import scalarApiReference from '@scalar/fastify-api-reference';
import { OPENAPI_DIR } from './openapi.js';

export interface ApiDocument {
  /** `admin` for `openapi/admin.openapi.json`: the path is `/openapi/admin.json`. */
  name: string;
  title: string;
  path: string;
  /** The document as served, parsed once at start. */
  document: Record<string, unknown>;
}

const SUFFIX = '.openapi.json';
/** Vendor documents first, in the order a reader meets them, then everything else (the extensions). */
const ORDER = ['verifone-token-management', 'pismo-tokenization', 'admin'];

/** Every `*.openapi.json` of `dir`, so a document added there is served without touching this module. */
export function listApiDocuments(dir: string = OPENAPI_DIR): ApiDocument[] {
  const names = readdirSync(dir)
    .filter((file) => file.endsWith(SUFFIX))
    .map((file) => file.slice(0, -SUFFIX.length))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return names.map((name) => {
    const document = JSON.parse(readFileSync(join(dir, name + SUFFIX), 'utf8')) as Record<string, unknown>;
    const info = document.info as { title?: unknown } | undefined;
    return { name, title: typeof info?.title === 'string' ? info.title : name, path: `/openapi/${name}.json`, document };
  });
}

const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);

/** Only this origin, with what Scalar's page needs: its inline bootstrap script and styles, data: images and fonts. */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export interface DocsOptions {
  /** Where the reference page is; default `/docs`. */
  routePrefix?: `/${string}`;
  /** Where the documents are read from; default the package's `openapi/`. */
  dir?: string;
}

export async function registerDocs(app: FastifyInstance, options: DocsOptions = {}): Promise<ApiDocument[]> {
  const documents = listApiDocuments(options.dir);
  for (const doc of documents) {
    const body = JSON.stringify(doc.document);
    app.get(doc.path, async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
  }
  await app.register(scalarApiReference, {
    routePrefix: options.routePrefix ?? '/docs',
    logLevel: 'warn',
    hooks: {
      // Runs after the server-wide onRequest hook (request-context.ts), whose CSP allows nothing at all.
      onRequest: async (_request, reply) => {
        reply.header('content-security-policy', DOCS_CSP);
      },
    },
    configuration: {
      pageTitle: 'Tessera API reference',
      sources: documents.map((doc, index) => ({ title: doc.title, slug: doc.name, url: doc.path, ...(index === 0 ? { default: true } : {}) })),
      withDefaultFonts: false,
      telemetry: false,
      agent: { disabled: true },
      hideClientButton: false,
    },
  });
  return documents;
}
