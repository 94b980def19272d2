/**
 * The graph's own scalars as the typed documents carry them (codegen.ts maps them so), for an
 * app's props and state: a field typed `Decimal` here is the very value the answer holds.
 */

/**
 * An exact decimal as the source states it ("399.3"): a JS number would turn it into 399.29999
 * and lose the figure as stated. Format it as text; convert with Number() only to draw it.
 */
export type Decimal = string;

/**
 * An ISO 8601 calendar date ("2018-06-01") with no time or zone: a JS Date would shift it across
 * midnight in a browser west of UTC. Named as the schema names it; import it under another name
 * (`import type { Date as HubDate }`) where the global Date is also wanted.
 */
export type Date = string;

/** The schema's custom scalars by name, as GraphQL Code Generator's `Scalars` would list them. */
export interface Scalars {
  readonly Date: Date;
  readonly Decimal: Decimal;
}
