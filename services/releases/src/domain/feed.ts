import type { ChangeOp, Entity, FeedChange, Provenance } from '@nhs-hub/kit/subgraph';
import type { Position } from './since.js';

/** One field of one row that a release changed: what `changes` lists. */
export interface FieldChange {
  readonly subgraph: string;
  readonly release: number;
  readonly at: string;
  readonly table: string;
  readonly key: Readonly<Record<string, unknown>>;
  readonly op: ChangeOp;
  readonly field: string;
  readonly before: string | null;
  readonly after: string | null;
  readonly source: Provenance | null;
  readonly entity: Entity | null;
  /** The change record it came from, and its place among that record's fields: where a page stops. */
  readonly recordId: number;
  readonly fieldIndex: number;
}

/** A value as the graph gives it: text, as Decimal and Date are; null for no value. */
export function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * The fields one change record changed, in the record's own column order: an update's changed
 * columns, an insert's or a delete's columns that hold a value (an empty column changed nothing).
 */
export function fieldChanges(subgraph: string, record: FeedChange, field?: string): FieldChange[] {
  const before = record.before ?? {};
  const after = record.after ?? {};
  const names =
    record.op === 'update'
      ? [...new Set([...Object.keys(after), ...Object.keys(before)])]
      : Object.keys(record.op === 'insert' ? after : before).filter(
          (name) => (record.op === 'insert' ? after[name] : before[name]) != null,
        );
  return names
    .filter((name) => field === undefined || name === field)
    .map((name, fieldIndex) => ({
      subgraph,
      release: record.release,
      at: record.at,
      table: record.table,
      key: record.key,
      op: record.op,
      field: name,
      before: record.op === 'insert' ? null : asText(before[name]),
      after: record.op === 'delete' ? null : asText(after[name]),
      source: record.source ?? null,
      entity: record.entity ?? null,
      recordId: record.id,
      fieldIndex,
    }));
}

/** One subgraph's page of change records, read after `position` (null: from the start). */
export interface SubgraphPage {
  readonly subgraph: string;
  readonly changes: readonly FeedChange[];
  /** The subgraph has change records after this page. */
  readonly more: boolean;
  readonly position: Position | null;
}

export interface MergedPage {
  readonly nodes: readonly FieldChange[];
  readonly positions: Readonly<Record<string, Position>>;
  readonly hasNextPage: boolean;
}

const earlier = (a: FieldChange, b: FieldChange): boolean =>
  a.at !== b.at ? a.at < b.at : a.subgraph !== b.subgraph ? a.subgraph < b.subgraph : a.recordId < b.recordId;

/**
 * The first `first` field changes of every subgraph's page, oldest first (time, then subgraph, then
 * record and field: each subgraph's records come in id order, which is their releases' order), and
 * where each subgraph stopped. A record a page cut in two resumes at its next field.
 */
export function mergePages(pages: readonly SubgraphPage[], first: number, field?: string): MergedPage {
  const queues = pages.map((page) => {
    const items = page.changes.flatMap((record) => fieldChanges(page.subgraph, record, field));
    const resume = page.position;
    // The record the last page cut in two is read again; the fields it already gave are skipped.
    const skip = resume && resume.fields > 0 ? resume.fields : 0;
    return {
      page,
      items: items.filter((item) => !(skip > 0 && resume && item.recordId === resume.id && item.fieldIndex < skip)),
      next: 0,
    };
  });
  const nodes: FieldChange[] = [];
  while (nodes.length < first) {
    let best: (typeof queues)[number] | undefined;
    for (const queue of queues) {
      const head = queue.items[queue.next];
      const bestHead = best?.items[best.next];
      if (head && (!bestHead || earlier(head, bestHead))) best = queue;
    }
    const item = best?.items[best.next];
    if (!best || !item) break;
    nodes.push(item);
    best.next += 1;
  }
  const positions: Record<string, Position> = {};
  let hasNextPage = false;
  for (const queue of queues) {
    const last = queue.items[queue.next - 1];
    const rest = queue.items[queue.next];
    if (rest || queue.page.more) hasNextPage = true;
    if (!last) {
      if (queue.page.position) positions[queue.page.subgraph] = queue.page.position;
      continue;
    }
    // Cut in two when the next field to give is the same record's.
    positions[queue.page.subgraph] = {
      id: last.recordId,
      fields: rest && rest.recordId === last.recordId ? last.fieldIndex + 1 : 0,
    };
  }
  // Records a page read past but whose fields were all filtered out still count as read.
  for (const queue of queues) {
    if (queue.next < queue.items.length) continue;
    const lastRecord = queue.page.changes.at(-1);
    const position = positions[queue.page.subgraph];
    if (lastRecord && (!position || position.id < lastRecord.id))
      positions[queue.page.subgraph] = { id: lastRecord.id, fields: 0 };
  }
  return { nodes, positions, hasNextPage };
}
