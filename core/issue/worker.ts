// A batch worker thread: builds each learner's credential and does the expensive, key-free half
// of signing (RDFC canonicalization and hashing). It never sees a private key: the main thread
// signs the 64-byte hashData it sends back (see run.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { JsonObject, PreparedProof, ProofKeyInfo } from '../proof/index.ts';
import { isLaurelError } from '../util/errors.ts';
import { buildLearnerCredential, proofPreparer, type Learner, type RecipientOptions } from './credential.ts';

export interface WorkerInit {
  issuer: Record<string, unknown>;
  achievement: Record<string, unknown>;
  /** Received JWT endorsements, for a batch signed as VC-JWT only. */
  endorsementJwt?: { issuer?: string[]; achievement?: string[] };
  recipient: RecipientOptions;
  validFrom: string;
  validUntil?: string;
  /** Prepare a Data Integrity proof (JSON form); without it only the credential is built (JWT only). */
  json: boolean;
  key: ProofKeyInfo;
  /** The proof's `created`, the same for the whole run, so proof options are canonicalized once. */
  created: string;
}

export interface WorkerItem {
  seq: number;
  credentialId: string;
  learner: Learner;
  credentialStatus?: Record<string, unknown>;
}

export interface WorkerRequest {
  id: number;
  items: WorkerItem[];
}

export type WorkerResult =
  | { seq: number; ok: true; credential: JsonObject; prepared?: PreparedProof }
  | { seq: number; ok: false; error: { code?: string; message: string } };

export interface WorkerResponse {
  id: number;
  results: WorkerResult[];
}

const init = workerData as WorkerInit;
const prepare = init.json ? proofPreparer(init.key, init.created, { reuseExpansion: true }) : undefined;
const port = parentPort!;

async function handle(req: WorkerRequest): Promise<WorkerResponse> {
  const results: WorkerResult[] = [];
  for (const item of req.items) {
    try {
      const credential = buildLearnerCredential({
        credentialId: item.credentialId,
        issuer: init.issuer,
        achievement: init.achievement,
        learner: item.learner,
        recipient: init.recipient,
        validFrom: init.validFrom,
        validUntil: init.validUntil,
        credentialStatus: item.credentialStatus,
        endorsementJwt: init.endorsementJwt,
      });
      results.push(prepare ? { seq: item.seq, ok: true, credential, prepared: await prepare(credential) } : { seq: item.seq, ok: true, credential });
    } catch (e) {
      const error = isLaurelError(e) ? { code: e.code, message: e.message } : { message: (e as Error)?.message ?? String(e) };
      results.push({ seq: item.seq, ok: false, error });
    }
  }
  return { id: req.id, results };
}

// One request at a time, in order: the work is CPU-bound, interleaving would only add latency.
let queue: Promise<void> = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  queue = queue.then(async () => port.postMessage(await handle(req)));
});
port.postMessage({ ready: true });
