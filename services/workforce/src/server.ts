import { runStandalone } from '@nhs-hub/kit';
import { subgraph } from './index.js';

await runStandalone(subgraph);
