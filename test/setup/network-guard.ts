// Vitest setup: every test file runs with the network guard on (see no-network.mjs).
export { blockedCalls, NetworkCallError } from './no-network.mjs';
