// Stand-alone entry: `tsx signaling/main.ts [options]` runs the server until SIGINT/SIGTERM.
// Bad options or a failed start print one line to stderr and exit non-zero.
import { parseServeOptions, SERVE_USAGE } from './options';
import { startSignalingServer } from './server';

const parsed = parseServeOptions(process.argv.slice(2), process.env);
if (!parsed.ok) {
  console.error(`peerfold serve: ${parsed.error}`);
  process.exit(2);
}
if (parsed.help) {
  console.log(`Usage: peerfold serve [options]\n\n${SERVE_USAGE}`);
  process.exit(0);
}

try {
  const server = await startSignalingServer(parsed.options);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(`peerfold serve: ${(err as Error).message}`);
  process.exit(1);
}
