/** The time source of every use case; tests and the local stage move it. */
export interface Clock {
  now(): number;
}

/** Local stage only: moves the clock every local function reads (POST /dev/clock). */
export interface DevClockControl {
  set(nowMs: number): Promise<void>;
  reset(): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now() };

export const fixedClock = (ms: number | string): Clock & { set(ms: number | string): void; advance(ms: number): void } => {
  let t = typeof ms === 'string' ? Date.parse(ms) : ms;
  return {
    now: () => t,
    set: (v) => {
      t = typeof v === 'string' ? Date.parse(v) : v;
    },
    advance: (d) => {
      t += d;
    },
  };
};
