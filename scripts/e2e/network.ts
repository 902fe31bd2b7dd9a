/**
 * The e2e run's network: a network namespace of its own (scripts/e2e.ts starts the run in one
 * with unshare) with the loopback trap of scripts/lib/loopback-trap.ts, and the node's address.
 */
import { ip, setUpTrap } from '../lib/loopback-trap';

export { packetsOut, SocketWatcher, testTrap } from '../lib/loopback-trap';

/**
 * The node's address, which the API server also advertises: Endpoints (of the `kubernetes` Service,
 * of host-network pods) may not be in 127.0.0.0/8. It sits on the loopback device of the run's
 * namespace, so a packet to it stays there.
 */
export const NODE_ADDRESS = '198.51.100.10';

/** Brings up loopback, the trap and the node's address; call once, inside the new namespace. */
export function setUpNetwork(): void {
  setUpTrap();
  ip(`addr add ${NODE_ADDRESS}/32 dev lo`);
}
