// WAL checkpoints off the event loop. SQLite copies the write-ahead log back into the database
// file every 1,000 pages by default, inside whichever COMMIT crosses the mark — and with
// synchronous=NORMAL that copy ends in two fsyncs. better-sqlite3 is synchronous, so the whole
// process waited on the disk there: half the wall time of a login's writes on this machine
// (docs/PERFORMANCE.md). A long-lived process (the web server, `servicio worker`) hands that work
// to a thread with its own connection, which runs a PASSIVE checkpoint (never blocks a reader or a
// writer) every `everyMs`. The main connection keeps a far larger automatic checkpoint as a
// backstop, so the log stays bounded even if the thread were gone.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/** Pages the main connection lets the log grow to before checkpointing itself (~64 MB). */
const BACKSTOP_PAGES = 16_000;

// CommonJS, evaluated in the thread: it needs nothing of ours, only better-sqlite3.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage(String(err && err.message || err)); }
}, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} db.close(); parentPort.close(); });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(main: SQLite.Database, o: { everyMs?: number; onError?: (message: string) => void } = {}): Checkpointer {
  main.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(THREAD, { eval: true, workerData: { file: main.name, driver, everyMs: o.everyMs ?? 200 } });
  worker.unref();
  worker.on('message', (m: string) => o.onError?.(m));
  // A thread that cannot run leaves checkpoints to the main connection again, as SQLite does by default.
  worker.on('error', (err) => {
    main.pragma('wal_autocheckpoint = 1000');
    o.onError?.(err.message);
  });
  return {
    async stop() {
      // Held by the thread until it has closed its connection (an unref'd thread and timer would
      // let the process run out of work, and exit, in the middle of this await).
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
