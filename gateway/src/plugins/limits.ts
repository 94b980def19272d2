/** How each query limit is named to callers, and what to do to stay under it. */
export const QUERY_LIMIT_ADVICE = {
  'Query Cost': {
    limit: 'maxCost',
    name: 'Query cost limit',
    unit: 'cost points',
    howToStayUnder:
      'Ask for fewer items per list (a smaller `first`), fewer aliases, or fewer nested lists; split the query if you need all of it.',
  },
  Aliases: {
    limit: 'maxAliases',
    name: 'Alias limit',
    unit: 'aliases',
    howToStayUnder: 'Use fewer aliases: fetch lists (e.g. `stps(first:)`) instead of one alias per item.',
  },
  'Query depth': {
    limit: 'maxDepth',
    name: 'Depth limit',
    unit: 'levels of nesting',
    howToStayUnder: 'Nest fewer levels; fetch the inner objects with a second query by their code.',
  },
  Directives: {
    limit: 'maxDirectives',
    name: 'Directive limit',
    unit: 'directives',
    howToStayUnder: 'Use fewer directives (@include/@skip) in one document.',
  },
  Token: {
    limit: 'maxTokens',
    name: 'Token limit',
    unit: 'tokens',
    howToStayUnder: 'Send a shorter document: select fewer fields, or use fragments instead of repeating selections.',
  },
} as const;
