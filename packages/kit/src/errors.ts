import { GraphQLError } from 'graphql';

/** Error codes clients can rely on; messages may change, codes do not. */
export const ErrorCode = {
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
} as const;

export function notFound(what: string, detail: string): GraphQLError {
  return new GraphQLError(`${what} not found: ${detail}`, { extensions: { code: ErrorCode.NOT_FOUND } });
}

export function badInput(message: string, argumentName?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, ...(argumentName ? { argumentName } : {}) },
  });
}
