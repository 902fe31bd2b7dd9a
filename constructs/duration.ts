import { Duration } from 'cdk8s';

/** Renders a cdk8s Duration the way Flux writes intervals: `1h30m`, `10m`, `45s`. */
export function fluxDuration(d: Duration): string {
  const total = d.toSeconds();
  if (!Number.isInteger(total) || total <= 0) {
    throw new Error(`duration ${total}s must be a whole, positive number of seconds`);
  }
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}
