import { gql, type TypedDocumentNode } from '@apollo/client';
/** The hub's exact decimal: a string such as "399.3", never a binary float. */
type Decimal = string;

/** The regions a director picks from. */
export const REGIONS: TypedDocumentNode<{ regions: { code: string; name: string }[] }, { asOf: string }> = gql`
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
  { region: { code: string; name: string } | null; regionSnapshot: { asOf: string; stps: MemberStp[] } | null },
  { code: string; asOf: string }
> = gql`
  query DirectorsRegionPage($code: ID!, $asOf: Date) {
    region(code: $code) {
      code
      name
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
