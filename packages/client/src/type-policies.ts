import { isReference } from '@apollo/client/cache';
import type { FieldPolicy, Reference, StoreObject, TypePolicies } from '@apollo/client/cache';

/**
 * Apollo Client cache policies for the hub's graph, so that operations selecting different fields
 * of the same STP (StpOverview, AllStps, RegionOverview...) complete each other instead of
 * overwriting each other.
 *
 * - Entities with a stable key are normalised by it: Stp, Region and Programme by `code` (ODS and
 *   programme codes are never reused), Organisation, Person, Priority, Role, Consideration and
 *   WorkforceFact by `id`, RegionSnapshot by region and date. Where an operation does not select
 *   the key (AllStps's leads' organisations have no `id`, its priorities no `id`) the object is
 *   kept inside its parent rather than refused, and the merge rules below join it to the entity.
 * - Objects that only exist under one parent (an STP's FinancialGap and derived gap per head, a
 *   region snapshot's financial summary) merge field by field into what the parent already holds.
 * - Lists of objects without an id (an STP's leads, every `flags` list) merge element by element
 *   on a key that is stable within the list (a lead's name, a flag's code), so a slimmer list
 *   (AllStps's leads: name and organisation) never drops fields a richer one stored (role, source).
 */

type Keyed = Reference | StoreObject;

/** `Type:{"field":value}` like Apollo's own keyFields, or undefined (not normalised) when a key field was not selected. */
function keyedBy(...fields: string[]): (object: Readonly<StoreObject>) => string | undefined {
  return (object) => {
    const values: Record<string, unknown> = {};
    for (const field of fields) {
      const value = object[field];
      if (value === undefined || value === null) return undefined;
      values[field] = value;
    }
    return `${String(object.__typename)}:${JSON.stringify(values)}`;
  };
}

type MergeObjects = <T extends StoreObject | Reference>(existing: T, incoming: T) => T;
const isObject = (value: unknown): value is Keyed =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Apollo's mergeObjects is shallow for objects kept inside a list item: AllStps's lead
 * organisation (`{ name, kind }`, no id) would replace the Organisation reference StpOverview
 * stored. Nested objects are merged the same way, and into the entity where one is referenced.
 */
function mergeDeep(existing: Keyed, incoming: Keyed, mergeObjects: MergeObjects): Keyed {
  if (isReference(existing) || isReference(incoming)) return mergeObjects(existing, incoming);
  const merged: StoreObject = { ...existing };
  for (const [field, value] of Object.entries(incoming)) {
    const previous = existing[field];
    merged[field] = isObject(previous) && isObject(value) ? mergeDeep(previous, value, mergeObjects) : value;
  }
  return merged;
}

/** Merges a list element-wise on a key stable within it; items without a match are taken as they come. */
function mergeListBy(key: string): FieldPolicy<Keyed[]> {
  return {
    merge(existing, incoming, { readField, mergeObjects }) {
      if (!existing?.length) return incoming;
      const previous = new Map<unknown, Keyed>();
      for (const item of existing) previous.set(readField(key, item), item);
      return incoming.map((item) => {
        const match = previous.get(readField(key, item));
        return match === undefined ? item : mergeDeep(match, item, mergeObjects);
      });
    },
  };
}

const FLAG_LISTS = { flags: mergeListBy('code') };
/** Singular nested objects owned by their parent: merged field by field, never replaced. */
const MERGED: FieldPolicy = { merge: true };

/** What the cache holds for `Query.stps`: one page object whose nodes grow as pages arrive. */
interface StpPageShape {
  readonly nodes?: readonly Keyed[];
  readonly [field: string]: unknown;
}

/**
 * `Query.stps` pages (`first`/`offset`) as one growing list per filter and order: `fetchMore({
 * variables: { offset: n } })` writes the next page's nodes at `offset` into the list already held,
 * so a list view shows every page fetched so far; `totalCount` and `hasNextPage` are the latest
 * page's. Another filter or order is another list.
 */
export const stpsPaging: FieldPolicy<StpPageShape> = {
  keyArgs: ['filter', 'orderBy', 'descending'],
  merge(existing, incoming, { args }) {
    const offset = typeof args?.offset === 'number' ? args.offset : 0;
    const nodes = [...(existing?.nodes ?? [])];
    for (const [i, node] of (incoming.nodes ?? []).entries()) nodes[offset + i] = node;
    return { ...existing, ...incoming, nodes };
  },
};

export const typePolicies: TypePolicies = {
  Query: { fields: { stps: stpsPaging } },
  Stp: {
    keyFields: keyedBy('code'),
    fields: {
      financialGap: MERGED,
      gapPerHeadDerived: MERGED,
      populationSource: MERGED,
      leads: mergeListBy('name'),
      priorities: mergeListBy('title'),
    },
  },
  Region: { keyFields: keyedBy('code') },
  Programme: { keyFields: keyedBy('code') },
  Organisation: { keyFields: keyedBy('id'), fields: FLAG_LISTS },
  Person: { keyFields: keyedBy('id'), fields: FLAG_LISTS },
  Priority: { keyFields: keyedBy('id'), fields: FLAG_LISTS },
  Role: { keyFields: keyedBy('id'), fields: FLAG_LISTS },
  Consideration: { keyFields: keyedBy('id') },
  WorkforceFact: { keyFields: keyedBy('id') },
  RegionSnapshot: { keyFields: keyedBy('regionCode', 'asOf'), fields: { financialSummary: MERGED } },
  // Normalised where an operation selects the key (StpLead.id, FinancialGap.stpCode), kept inside
  // the parent and merged by the rules above where it does not.
  StpLead: { keyFields: keyedBy('id'), fields: { organisation: MERGED, source: MERGED, ...FLAG_LISTS } },
  FinancialGap: { keyFields: keyedBy('stpCode'), fields: { ...FLAG_LISTS, sectionSource: MERGED } },
  FinancialFact: { fields: FLAG_LISTS },
  RegionFinancialSummary: { fields: FLAG_LISTS },
  RegionFact: { fields: FLAG_LISTS },
  RegionMembership: { fields: FLAG_LISTS },
  StatedOutcome: { fields: FLAG_LISTS },
  Source: { fields: { document: MERGED } },
};
