import { SOURCE_DOCUMENTS, type SourceDocument } from '@nhs-hub/kit/subgraph';

/**
 * Documents whose catalogue entry names the organisation as (one of) its publishers: the whole
 * publisher, a name in brackets ("... (ABHI)"), or one of publishers joined by "and".
 */
export function publishedBy(name: string): SourceDocument[] {
  return SOURCE_DOCUMENTS.filter(
    (d) => d.publisher === name || d.publisher.includes(`(${name})`) || d.publisher.split(' and ').includes(name),
  );
}
