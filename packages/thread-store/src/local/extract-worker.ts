import { parentPort, workerData } from "node:worker_threads";
import { runExtractJob, type ExtractJob } from "./extract-job.js";

// Entry of an extraction worker (see extract-pool.ts): answers each batch of jobs with their
// outcomes, in order. Loaded from dist only; the pool runs jobs in-process when it is missing.

const { defaultProvider } = workerData as { defaultProvider: string };
parentPort?.on("message", (jobs: ExtractJob[]) => {
  // A JSON string: structured-cloning thousands of small objects costs the receiving thread
  // several times what one JSON.parse does, and that thread is the busy one (it writes SQLite).
  parentPort?.postMessage(JSON.stringify(jobs.map((job) => runExtractJob(job, defaultProvider))));
});
