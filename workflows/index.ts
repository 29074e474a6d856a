// The one entry the worker bundles: every workflow type is exported from here.
import type { PROVIDER_FLIGHT_WORKFLOW, ProviderFlightWorkflow } from '../src/contract/flight';
import type { AI_JOB_WORKFLOW, AiJobWorkflow } from '../src/contract/job';
import type { EMBEDDING_BATCH_WORKFLOW, EmbeddingBatchWorkflow } from '../src/contract/embedding-batch';
import type { BULK_REPLAY_WORKFLOW, BulkReplayWorkflow } from '../src/contract/bulk-replay';
import { aiJob } from './ai-job';
import { bulkReplay } from './bulk-replay';
import { embeddingBatch } from './embedding-batch';
import { providerBatchJob } from './provider-batch-job';
import type { PROVIDER_BATCH_WORKFLOW, ProviderBatchWorkflow } from '../src/contract/batch-job';
import { providerFlight } from './provider-flight';

export { aiJob, bulkReplay, embeddingBatch, providerBatchJob, providerFlight };

// The API and the activities start these by the names in the contract; this fails to compile when they drift.
export type WorkflowsByName = Record<typeof AI_JOB_WORKFLOW, AiJobWorkflow> &
  Record<typeof PROVIDER_FLIGHT_WORKFLOW, ProviderFlightWorkflow> &
  Record<typeof EMBEDDING_BATCH_WORKFLOW, EmbeddingBatchWorkflow> &
  Record<typeof PROVIDER_BATCH_WORKFLOW, ProviderBatchWorkflow> &
  Record<typeof BULK_REPLAY_WORKFLOW, BulkReplayWorkflow>;
({ aiJob, providerFlight, embeddingBatch, providerBatchJob, bulkReplay }) satisfies WorkflowsByName;
