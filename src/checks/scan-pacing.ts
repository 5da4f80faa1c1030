// The pacing a check's scans run with on one node: the node's adaptive pacer (the default), or a fixed duty cycle.
import { fixedPacing, type ScanPacing } from '../redis/pacer.ts';
import type { CheckContext } from './types.ts';

export async function scanPacing(ctx: Pick<CheckContext, 'redis' | 'options'>, address: string): Promise<ScanPacing> {
  const { scanDutyCycle, scanCount } = ctx.options;
  return scanDutyCycle === 'adaptive' ? ctx.redis.pacer(address) : fixedPacing(scanDutyCycle, scanCount);
}
