/**
 * Checks response bodies against the schemas of the OpenAPI documents we serve (openapi/), with Ajv.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { loadOpenApi } from '../../src/http/openapi.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat('uuid-flexible', /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i);
const DOCS = {
  verifone: 'verifone-token-management.openapi.json',
  pismo: 'pismo-tokenization.openapi.json',
  admin: 'admin.openapi.json',
  cryptogram: 'tessera-cryptogram.openapi.json',
} as const;
for (const [id, file] of Object.entries(DOCS)) ajv.addSchema({ $id: id, components: loadOpenApi(file).components });

const compiled = new Map<string, ValidateFunction>();

/** Throws with Ajv's report when `body` does not match `#/components/schemas/<schema>` of the document. */
export function assertMatchesSchema(doc: keyof typeof DOCS, schema: string, body: unknown): void {
  const key = `${doc}#/components/schemas/${schema}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile({ $ref: key });
    compiled.set(key, validate);
  }
  if (!validate(body)) throw new Error(`response does not match ${key}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
}
