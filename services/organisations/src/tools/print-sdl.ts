/** Prints the subgraph SDL as composition sees it: node --import tsx services/organisations/src/tools/print-sdl.ts > services/organisations/schema.graphql */
import { printSubgraphSdl } from '@nhs-hub/kit';
import { schema } from '../schema/index.js';

process.stdout.write(printSubgraphSdl(schema));
