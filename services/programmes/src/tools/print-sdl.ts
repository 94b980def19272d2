/** Prints the subgraph SDL as composition sees it: node --import tsx services/programmes/src/tools/print-sdl.ts */
import { printSubgraphSdl } from '@nhs-hub/kit';
import { schema } from '../schema/index.js';

process.stdout.write(printSubgraphSdl(schema));
