import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

/**
 * Counts SQL statements sent to the database. Tests and benchmarks read it to prove that a request
 * costs a constant number of statements however many entities it touches (no N+1).
 */
export class SqlCounter {
  #count = 0;

  get count(): number {
    return this.#count;
  }

  record(): void {
    this.#count += 1;
  }

  reset(): void {
    this.#count = 0;
  }

  /** Runs `work` and returns how many statements it issued alongside its result. */
  async measure<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
    const before = this.#count;
    const result = await work();
    return { result, statements: this.#count - before };
  }
}

/** Kysely plugin that records one statement per executed query (raw `sql` included). */
export class SqlCounterPlugin implements KyselyPlugin {
  constructor(private readonly counter: SqlCounter) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.counter.record();
    return args.result;
  }
}
