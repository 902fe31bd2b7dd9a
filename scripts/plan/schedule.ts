import { BOOT, EventGraph, idOf } from './events';
import { PlanProblem } from './model';

/** The objects (Kustomizations, HelmReleases) that start in one wave, by id. */
export interface Wave {
  readonly number: number;
  readonly starts: readonly string[];
}

export interface Schedule {
  readonly waves: readonly Wave[];
  /** The wave each started object starts in. */
  readonly startWave: ReadonlyMap<string, number>;
  /** The chain behind the last wave, first to last: object ids, `<id> ready` where only its readiness counts. */
  readonly criticalPath: readonly string[];
  /** Objects that never become ready: cycles, missing dependencies, and what waits for them. */
  readonly problems: readonly PlanProblem[];
}

/** Longest-path layering of the event graph (see events.ts), with what can never happen explained. */
export function schedule(graph: EventGraph): Schedule {
  const incoming = new Map<string, { from: string; delay: number }[]>(graph.events.map((e) => [e, []]));
  const outgoing = new Map<string, string[]>(graph.events.map((e) => [e, []]));
  for (const edge of graph.edges) {
    incoming.get(edge.to)!.push({ from: edge.from, delay: edge.delay });
    outgoing.get(edge.from)!.push(edge.to);
  }
  const pending = new Map(graph.events.map((e) => [e, incoming.get(e)!.length + (graph.blocked.has(e) ? 1 : 0)]));
  const wave = new Map<string, number>();
  const via = new Map<string, string>();
  const queue = graph.events.filter((e) => pending.get(e) === 0);
  while (queue.length > 0) {
    const event = queue.shift()!;
    let best = event === BOOT ? 0 : -1;
    for (const { from, delay } of incoming.get(event)!) {
      const candidate = wave.get(from)! + delay;
      if (candidate > best) {
        best = candidate;
        via.set(event, from);
      }
    }
    wave.set(event, best);
    for (const next of outgoing.get(event)!) {
      pending.set(next, pending.get(next)! - 1);
      if (pending.get(next) === 0) queue.push(next);
    }
  }

  const startWave = new Map<string, number>();
  for (const [event, number] of wave) if (event.startsWith('start ')) startWave.set(idOf(event), number);
  const last = Math.max(0, ...startWave.values());
  const waves: Wave[] = [];
  for (let number = 1; number <= last; number++) {
    // Kustomizations before HelmReleases, then by id, so the listing does not depend on discovery order.
    const starts = [...startWave].filter(([, w]) => w === number).map(([id]) => id);
    waves.push({ number, starts: starts.sort((a, b) => Number(b.startsWith('Kustomization ')) - Number(a.startsWith('Kustomization ')) || a.localeCompare(b)) });
  }
  return { waves, startWave, criticalPath: criticalPath(wave, via, last), problems: explainStuck(graph, incoming, wave) };
}

/**
 * The events behind the last wave, first to last, one per object: `X` when it starts, `X ready`
 * when the chain passes through its readiness only (a dependency, a wait).
 */
function criticalPath(wave: ReadonlyMap<string, number>, via: ReadonlyMap<string, string>, last: number): string[] {
  const end = [...wave].find(([event, w]) => w === last && event.startsWith('start '))?.[0];
  const events: string[] = [];
  for (let event = end; event !== undefined && event !== BOOT; event = via.get(event)) events.unshift(event);
  return events
    .filter((event, i) => i === 0 || idOf(event) !== idOf(events[i - 1]))
    .map((event) => (event.startsWith('ready ') ? `${idOf(event)} ready` : idOf(event)));
}

/** One problem per root cause (a cycle, a blocked start) and per Kustomization stuck behind one. */
function explainStuck(graph: EventGraph, incoming: ReadonlyMap<string, { from: string }[]>, wave: ReadonlyMap<string, number>): PlanProblem[] {
  const stuck = graph.events.filter((e) => !wave.has(e));
  const problems: PlanProblem[] = [];
  const explained = new Set<string>();
  for (const cycle of cyclesAmong(stuck, incoming)) {
    // HelmReleases join a Kustomization cycle only because their Kustomization waits for them.
    const all = cycle.map(idOf);
    const named = all.some((id) => id.startsWith('Kustomization ')) ? all.filter((id) => id.startsWith('Kustomization ')) : all;
    const distinct = named.filter((id, i) => id !== named[(i + 1) % named.length]);
    // A Kustomization that depends on itself collapses to one id.
    const ids = distinct.length > 0 ? distinct : [named[0]];
    const [first] = [...ids].sort();
    const rotated = [...ids.slice(ids.indexOf(first)), ...ids.slice(0, ids.indexOf(first))];
    problems.push({ object: first, message: `dependency cycle ${[...rotated, first].join(' -> ')}; none of them can ever become ready` });
    ids.forEach((id) => explained.add(id));
  }
  for (const [event, why] of graph.blocked) {
    problems.push({ object: idOf(event), message: `can never become ready: ${why}` });
    explained.add(idOf(event));
  }
  for (const event of stuck) {
    const id = idOf(event);
    if (explained.has(id) || !id.startsWith('Kustomization ')) continue;
    explained.add(id);
    const cause = incoming.get(event)!.map((e) => e.from).find((from) => !wave.has(from) && idOf(from) !== id);
    const because = cause === undefined ? 'what it waits for can never become ready' : `it waits for ${idOf(cause)}, which can never become ready`;
    problems.push({ object: id, message: `can never become ready: ${because}` });
  }
  return problems;
}

/** A cycle through each strongly connected component of the stuck events (Tarjan), events in order. */
function cyclesAmong(stuck: readonly string[], incoming: ReadonlyMap<string, { from: string }[]>): string[][] {
  const inside = new Set(stuck);
  const successors = new Map<string, string[]>(stuck.map((e) => [e, []]));
  for (const to of stuck) for (const { from } of incoming.get(to)!) if (inside.has(from)) successors.get(from)!.push(to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of successors.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || successors.get(v)!.includes(v)) components.push(component);
    }
  };
  for (const e of stuck) if (!index.has(e)) visit(e);
  return components.map((component) => cycleThrough(component, successors));
}

/** The shortest cycle from the component's first event back to itself. */
function cycleThrough(component: readonly string[], successors: ReadonlyMap<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of successors.get(v)!.filter((s) => members.has(s))) {
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0])!);
        return path;
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}
