/** piscina's task for bench/threads.ts: does nothing, so a run is one message each way. */
export default function noopTask(): void {}
