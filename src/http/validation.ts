/**
 * Turns Fastify/Ajv validation errors into field paths (`body.token_scope`, `params.id`) with short messages.
 */
import type { FastifyError } from 'fastify';

interface AjvIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Invalid request parts by their HTTP path (`body.token_scope`, `params.id`) with short messages. */
export type FieldErrors = Record<string, string>;

const CONTEXT: Record<string, string> = { body: 'body', params: 'params', querystring: 'query', headers: 'headers' };

export function validationDetails(error: FastifyError): FieldErrors {
  const context = CONTEXT[(error as FastifyError & { validationContext?: string }).validationContext ?? 'body'] ?? 'body';
  const fields: FieldErrors = {};
  for (const issue of (error.validation ?? []) as AjvIssue[]) {
    const segments = issue.instancePath.split('/').filter(Boolean);
    if (issue.keyword === 'required' && typeof issue.params.missingProperty === 'string') segments.push(issue.params.missingProperty);
    if (issue.keyword === 'additionalProperties' && typeof issue.params.additionalProperty === 'string') segments.push(issue.params.additionalProperty);
    const field = [context, ...segments].join('.');
    if (fields[field]) continue;
    fields[field] = describe(issue);
  }
  return fields;
}

function describe(issue: AjvIssue): string {
  switch (issue.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed';
    case 'enum':
      return `must be one of ${(issue.params.allowedValues as unknown[]).join(', ')}`;
    case 'format':
      return `must be a valid ${String(issue.params.format)}`;
    default:
      return issue.message ?? 'is invalid';
  }
}
