// A whole server in its own process, configured by its environment (like `npm start`, without
// demo data): tests start two of them on one store to see how they share it. Prints
// `{"port":N}` once it listens, and stops on SIGTERM. Errors (a 5xx's cause) are logged to stderr,
// so a failing run says why.
import { loadConfig } from '../../src/config.ts';
import { buildServer } from '../../src/server.ts';

const config = loadConfig();
const server = await buildServer({ ...config, appSecret: config.appSecret! }, { logger: config.logLevel !== 'silent', logStream: process.stderr });
if (config.worker.enabled) server.worker.start();
await server.app.listen({ host: '127.0.0.1', port: 0 });
const address = server.app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
