import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import type { Answer } from '../client';
import type { Schema } from './schema-arbitrary';

/*
 * Checks answers against the OpenAPI document, the way a generated client would rely on
 * it: the status is one the operation declares (exactly, or as 4XX), the media type is
 * one declared for that status, and a JSON body fits the declared schema (ajv, JSON
 * Schema 2020-12). A 5XX is always a mismatch: the server must not fail.
 */

export interface Operation {
  method: string;
  path: string;
  op: Schema;
}

type Doc = { paths: Record<string, Record<string, Schema>>; components: { schemas: Record<string, Schema> } };

export function operationsOf(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) out.push({ method: method.toUpperCase(), path, op });
  }
  return out;
}

/** The document with `$ref`s to components replaced by what they point at (it has no cycles). */
export function inlineRefs<T>(node: T, doc: Doc): T {
  if (Array.isArray(node)) return node.map((n) => inlineRefs(n, doc)) as T;
  if (typeof node !== 'object' || node === null) return node;
  const ref = (node as Schema).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    return inlineRefs(doc.components.schemas[ref.slice('#/components/schemas/'.length)], doc) as T;
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inlineRefs(v, doc)])) as T;
}

function mediaMatches(declared: string, actual: string): boolean {
  if (declared === actual) return true;
  if (declared.endsWith('/*')) return actual.startsWith(declared.slice(0, -1));
  return false;
}

export class ContractChecker {
  private readonly ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
  private readonly compiled = new Map<Schema, ValidateFunction>();

  validator(schema: Schema): ValidateFunction {
    let v = this.compiled.get(schema);
    if (!v) this.compiled.set(schema, (v = this.ajv.compile(schema)));
    return v;
  }

  /** Whether a value fits a schema (used to tell requests that really are invalid). */
  fits(schema: Schema, value: unknown): boolean {
    return this.validator(schema)(value) as boolean;
  }

  /** Every way the answer disagrees with the document; empty when it agrees. */
  check(o: Operation, a: Answer): string[] {
    const responses = o.op.responses as Record<string, Schema>;
    const status = String(a.status);
    const declared = responses[status] ?? responses[`${status[0]}XX`];
    const problems: string[] = [];
    if (a.status >= 500) problems.push(`answered ${a.status}: ${a.text.slice(0, 200)}`);
    if (!declared) return [...problems, `status ${a.status} is not declared (declared: ${Object.keys(responses).join(', ')})`];
    const content = declared.content as Record<string, { schema?: Schema }> | undefined;
    const type = String(a.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (!content) {
      if (a.body.length > 0) problems.push(`status ${a.status} declares no body, got ${a.body.length} bytes of ${type}`);
      return problems;
    }
    const media = Object.keys(content).find((m) => mediaMatches(m, type));
    if (!media) return [...problems, `content type ${type || '(none)'} is not declared for ${a.status} (declared: ${Object.keys(content).join(', ')})`];
    const schema = content[media].schema;
    if (schema && media === 'application/json') {
      let body: unknown;
      try {
        body = JSON.parse(a.text);
      } catch {
        return [...problems, `the body is not JSON: ${a.text.slice(0, 100)}`];
      }
      const v = this.validator(schema);
      if (!v(body)) problems.push(`the body does not fit the schema: ${this.ajv.errorsText(v.errors)}; body ${a.text.slice(0, 300)}`);
    }
    return problems;
  }
}
