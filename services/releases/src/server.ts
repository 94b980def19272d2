import { runStandalone } from '@nhs-hub/kit/subgraph';
import { subgraph } from './index.js';

await runStandalone(subgraph);
