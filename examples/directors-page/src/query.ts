import { gql, type TypedDocumentNode } from '@apollo/client';
// The client's own scalar types: a date stays "2020-01-01" and a figure "399.3", as the hub answers.
import type { Date as HubDate, Decimal } from '@nhs-hub/client';

/** The regions a director picks from. */
export const REGIONS: TypedDocumentNode<{ regions: { code: string; name: string }[] }, { asOf: HubDate }> = gql`
  query DirectorsRegions($asOf: Date) {
    regions(asOf: $asOf) {
      code
      name
    }
  }
`;

export interface MemberStp {
  code: string;
  name: string;
  population: number | null;
  financialGap: {
    combinedGbpM: Decimal | null;
    proposedSavingsGbpM: Decimal | null;
    capitalRequiredGbpM: Decimal | null;
    flags: { code: string; explanation: string }[];
  } | null;
  gapPerHeadDerived: { gbpPerPerson: Decimal } | null;
}

/** A region on a date: its member STPs with their gap, savings, capital, gap per head and flags. */
export const REGION_PAGE: TypedDocumentNode<
  {
    region: { code: string; name: string; validFrom: HubDate; validTo: HubDate | null } | null;
    regionSnapshot: { asOf: HubDate; stps: MemberStp[] } | null;
  },
  { code: string; asOf: HubDate }
> = gql`
  query DirectorsRegionPage($code: ID!, $asOf: Date) {
    region(code: $code) {
      code
      name
      validFrom
      validTo
    }
    regionSnapshot(code: $code, asOf: $asOf) {
      asOf
      stps {
        code
        name
        population
        financialGap {
          stpCode
          combinedGbpM
          proposedSavingsGbpM
          capitalRequiredGbpM
          flags {
            code
            explanation
          }
        }
        gapPerHeadDerived {
          gbpPerPerson
        }
      }
    }
  }
`;

/** A data release as the hub announces it the moment it lands: `name` is what `changes(since:)` takes. */
export interface ReleasePublished {
  releasePublished: { name: string; at: string; tables: string[] };
}

/** Every data release, over Server-Sent Events (graphql-sse takes the document as text). */
export const RELEASE_PUBLISHED = /* GraphQL */ `
  subscription DirectorsReleases {
    releasePublished {
      name
      at
      tables
    }
  }
`;
