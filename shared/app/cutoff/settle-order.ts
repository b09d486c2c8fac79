import { toBizIso } from '#domain/time';
import { ConditionFailed, TransactionCancelled, type WriteOp } from '#ports/item-store';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { orderFromItem, orderKey, type Order } from '../orders/model.ts';
import { releaseOrderHoldsOps } from '../orders/release.ts';
import { failedGuard, failedOp, guard } from '../guards.ts';

const ATTEMPTS = 6;

/** A give-back of an unpaid order (its position in `releaseOrderHoldsOps`) whose condition failed. */
class GiveBackFailed extends Error {
  constructor(readonly position: number) {
    super(`give-back ${position} failed`);
  }
}

/**
 * Brings one order of a closing wave to its state after cutoff: an unpaid order is cancelled
 * (`CUTOFF_UNPAID`) with everything placement held given back; any other status is left alone
 * (a paid order is not written: it reads CONFIRMED once the wave is CLOSED, issue 19). The
 * cancel is conditioned on the status it was read in, so a racing payment, customer cancel,
 * expire job or second cutoff run makes it fail and the order is read again and judged anew.
 * Returns the order as it now stands and what this call did to it (nothing when another
 * writer got there first).
 */
export async function settleOrderAtCutoff(deps: Deps, order: Order): Promise<{ order: Order; did?: 'cancelled' }> {
  let current = order;
  // Give-backs dropped because their counter no longer holds what the order took (bad data):
  // the order must still leave PENDING_PAYMENT, or the wave could never close.
  const dropped = new Set<number>();
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const at = toBizIso(deps.clock.now());
    try {
      if (current.status === 'PENDING_PAYMENT') return { order: await cancelUnpaid(deps, current, at, dropped), did: 'cancelled' };
      return { order: current };
    } catch (e) {
      if (e instanceof GiveBackFailed) {
        dropped.add(e.position);
        logger.error('cutoff: a give-back condition failed; cancelling without it', { orderId: current.id, op: e.position });
        continue;
      }
      // The order changed (condition on its status) or a transient conflict: read it again.
      if (!(e instanceof ConditionFailed || e instanceof TransactionCancelled)) throw e;
      const again = await deps.store.get(orderKey(current), { consistent: true });
      if (!again) throw new Error(`order ${current.id} vanished during cutoff`);
      current = orderFromItem(again);
    }
  }
  throw new Error(`order ${current.id} kept changing during cutoff`);
}

async function cancelUnpaid(deps: Deps, order: Order, at: string, dropped: ReadonlySet<number>): Promise<Order> {
  // Positions in releaseOrderHoldsOps name the give-backs the same way on every attempt.
  const giveBacks = releaseOrderHoldsOps(order, { at });
  const ops: WriteOp[] = [
    guard('order', {
      type: 'update',
      key: orderKey(order),
      update: { set: { status: 'CANCELLED', cancelReason: 'CUTOFF_UNPAID', cancelledAt: at }, remove: ['gsi2pk', 'gsi2sk'] },
      when: [{ op: 'eq', path: 'status', value: 'PENDING_PAYMENT' }],
    }),
    ...giveBacks.filter((_, i) => !dropped.has(i)).map((op) => guard('giveBack', op)),
  ];
  try {
    // Nothing to give back: one conditional write (a ConditionFailed reads the order again, as a cancelled transaction does).
    if (ops.length === 1) await deps.store.write(ops[0]!);
    else await deps.store.transact(ops);
  } catch (e) {
    // Which give-back failed, by its position among the order's give-backs.
    const failed = failedOp(e, ops);
    if (failed && failedGuard(e, ops) === 'giveBack') throw new GiveBackFailed(giveBacks.indexOf(failed));
    throw e;
  }
  return { ...order, status: 'CANCELLED', cancelReason: 'CUTOFF_UNPAID', cancelledAt: at };
}
