/**
 * The host agent's entry point: what SSHManager starts over ssh on each host (see
 * cluster/host-agent-protocol.ts). It does not load the runtime: it only starts and watches
 * that host's workers.
 */
import { runAgent } from './cluster/host-agent.js';

runAgent();
