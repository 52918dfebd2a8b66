import { useEffect, useState } from 'preact/hooks';
import type { EngineClient, FileListing, ShareStatusView } from './engine-client';

/** The share's latest status and file list from the engine, re-rendered as they change. */
export function useShareEngine(
  engine: EngineClient,
  share: string,
): { status: ShareStatusView | undefined; listing: FileListing | undefined } {
  const read = () => ({ status: engine.status(share), listing: engine.files(share) });
  const [state, setState] = useState(read);
  useEffect(() => {
    setState(read());
    const stop = engine.subscribe(share, () => setState(read()));
    engine.list(share);
    return stop;
  }, [engine, share]); // read() depends only on these
  return state;
}
