import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { TiercastError } from '../domain/errors.js';

/**
 * The first problem in `value` against `schema`, as one sentence that names the setting
 * (`tiers[1].backend.bucket must ...`), or undefined when it is valid.
 *
 * TypeBox reports a failed union as "must match a schema in anyOf" plus an error for every
 * variant, which names nothing a user can act on. Unions here are either of literals
 * (role, logLevel) or of objects tagged by `type` (backends, catalog, bus), so the walk
 * below picks the variant the value's `type` asks for and explains the problem inside it.
 */
export function firstProblem(schema: TSchema, value: unknown, path = ''): string | undefined {
  if (Value.Check(schema, value)) return undefined;
  const node = schema as Record<string, unknown>;
  const variants = node.anyOf as TSchema[] | undefined;
  if (variants) return unionProblem(variants, value, path);
  if (node.type === 'object' && isRecord(value) && isRecord(node.properties)) {
    for (const [key, child] of Object.entries(node.properties as Record<string, TSchema>)) {
      if (key in value) {
        const problem = firstProblem(child, value[key], path ? `${path}.${key}` : key);
        if (problem) return problem;
      }
    }
  }
  if (node.type === 'array' && Array.isArray(value) && node.items) {
    for (const [i, item] of (value as unknown[]).entries()) {
      const problem = firstProblem(node.items as TSchema, item, `${path}[${i}]`);
      if (problem) return problem;
    }
  }
  return ownProblem(schema, value, path);
}

function unionProblem(variants: TSchema[], value: unknown, path: string): string {
  const where = path || 'the value';
  const literals = variants.map((v) => (v as { const?: unknown }).const);
  if (literals.every((l) => l !== undefined)) {
    return `${where} must be one of ${literals.join(', ')} (got ${JSON.stringify(value)})`;
  }
  const tags = variants.map((v) => ((v as { properties?: Record<string, { const?: unknown }> }).properties?.type?.const as string | undefined) ?? '?');
  if (!isRecord(value)) return `${where} must be an object with "type": one of ${tags.join(', ')}`;
  const index = tags.indexOf(value.type as string);
  if (index < 0) return `${where}.type must be one of ${tags.join(', ')} (got ${JSON.stringify(value.type)})`;
  return firstProblem(variants[index]!, value, path) ?? `${where} is not valid`;
}

/** The problem at this level (a missing or unknown property, a wrong type, a bad pattern). */
function ownProblem(schema: TSchema, value: unknown, path: string): string {
  const errors = [...Value.Errors(schema, value)];
  // 'boolean' errors ("schema is false") repeat an additionalProperties error in a vaguer way.
  const error = errors.find((e) => e.keyword !== 'boolean') ?? errors[0];
  if (!error) return `${path || 'the value'} is not valid`;
  const where = joinPath(path, settingName(error.instancePath)) || 'the top level';
  const params = error.params as { additionalProperties?: string[] };
  if (error.keyword === 'additionalProperties') return `${where} ${error.message} (unknown setting: ${params.additionalProperties?.join(', ')})`;
  const description = (schemaAt(schema, error.instancePath) as { description?: string } | undefined)?.description;
  if (error.keyword === 'pattern' && description) return `${where} is ${redact(JSON.stringify(valueAt(value, error.instancePath)))}, expected ${description}`;
  return `${where} ${error.message}`;
}

/** JSON pointer `/tiers/0/pricing` → `tiers[0].pricing`, the way users write settings. */
export function settingName(pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

function joinPath(path: string, sub: string): string {
  if (!path || !sub) return path || sub;
  return sub.startsWith('[') ? `${path}${sub}` : `${path}.${sub}`;
}

/** Hides the password of a URL (`postgres://user:secret@host` → `postgres://user:***@host`). */
export function redact(text: string): string {
  return text.replace(/(\/\/[^:/@\s"]+):[^@/\s"]+@/g, '$1:***@');
}

function schemaAt(schema: TSchema, pointer: string): TSchema | undefined {
  let node: Record<string, unknown> | undefined = schema as Record<string, unknown>;
  for (const part of pointer.split('/').filter(Boolean)) {
    if (!node) return undefined;
    node = (/^\d+$/.test(part) ? node.items : (node.properties as Record<string, unknown> | undefined)?.[part]) as Record<string, unknown> | undefined;
  }
  return node as TSchema | undefined;
}

function valueAt(value: unknown, pointer: string): unknown {
  let node = value;
  for (const part of pointer.split('/').filter(Boolean)) node = isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The error every configuration problem becomes: the CLI prints it in one line with the hint. */
export function configError(message: string, hint?: string): TiercastError {
  return new TiercastError('config_error', `invalid configuration: ${message}`, {
    hint: hint ?? 'fix the setting (see "Configuration" in README.md) and start again',
  });
}
