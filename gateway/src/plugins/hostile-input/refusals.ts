import type { IncomingHttpHeaders } from 'node:http';
import { HubErrorCode } from '@nhs-hub/kit/platform';

/**
 * Limits on what a request carries besides its document: each found as a 500 with a stack trace
 * (issue 23) before it was refused here.
 */
export const INPUT_LIMITS = {
  /** Characters of one header value; a JWT from an identity provider is 1-2 kB, Node's own cap on all headers is 16 kB. */
  maxHeaderLength: 8_192,
  /** Nesting of variables: the graph's inputs are a filter object of lists at most 3 deep. */
  maxVariableDepth: 16,
  /** Characters of one string in variables: codes, dates and names are short, as literals are (limits.ts). */
  maxVariableStringLength: 1_000,
} as const;

/** Why a request is refused: its status, code and message, and the limit it broke. */
export type Refusal = { status: number; code: string; message: string; limit?: string; max?: number; found?: number };

/** A header value longer than the limit (431), if any. */
export function headersProblem(headers: IncomingHttpHeaders): Refusal | undefined {
  for (const [name, value] of Object.entries(headers)) {
    const length = Array.isArray(value) ? value.join(', ').length : (value?.length ?? 0);
    if (length > INPUT_LIMITS.maxHeaderLength)
      return {
        status: 431,
        code: HubErrorCode.BAD_REQUEST,
        limit: 'maxHeaderLength',
        max: INPUT_LIMITS.maxHeaderLength,
        found: length,
        message: `Header ${name} is ${length} characters long; the limit is ${INPUT_LIMITS.maxHeaderLength}.`,
      };
  }
  return undefined;
}

/** A path with a malformed percent-escape (400), if it has one. */
export function pathProblem(path: string): Refusal | undefined {
  try {
    decodeURIComponent(path);
    return undefined;
  } catch {
    return {
      status: 400,
      code: HubErrorCode.BAD_REQUEST,
      message: `The path ${JSON.stringify(path.slice(0, 200))} holds a malformed percent-escape: escape "%" as "%25".`,
    };
  }
}

/**
 * Walks variables without recursion (a 200,000-deep value overflowed the stack of the code that
 * keyed the response cache) and says what is wrong with them, if anything.
 */
export function variablesProblem(variables: unknown): Refusal | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value: variables, depth: 0 }];
  while (stack.length) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
    if (typeof value === 'string') {
      if (value.length > INPUT_LIMITS.maxVariableStringLength)
        return {
          status: 400,
          code: HubErrorCode.QUERY_LIMIT_EXCEEDED,
          limit: 'maxVariableStringLength',
          max: INPUT_LIMITS.maxVariableStringLength,
          found: value.length,
          message: `Variable string limit exceeded: ${value.length} characters, the limit is ${INPUT_LIMITS.maxVariableStringLength}. Codes, dates and names are short.`,
        };
      if (value.includes('\u0000'))
        return {
          status: 400,
          code: HubErrorCode.BAD_USER_INPUT,
          message: 'A variable holds a NUL character (\\u0000), which no code, date or name of this graph contains.',
        };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= INPUT_LIMITS.maxVariableDepth)
      return {
        status: 400,
        code: HubErrorCode.QUERY_LIMIT_EXCEEDED,
        limit: 'maxVariableDepth',
        max: INPUT_LIMITS.maxVariableDepth,
        message: `Variable depth limit exceeded: variables nest more than ${INPUT_LIMITS.maxVariableDepth} levels. The graph's inputs nest at most 3.`,
      };
    for (const child of Array.isArray(value) ? value : Object.values(value))
      stack.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}
