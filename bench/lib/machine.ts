import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { round } from './stats.ts';

/** The machine the figures were measured on: they mean nothing without it. */
export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
}

export function describeMachine(): Machine {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: round(totalmem() / 1024 ** 3, 1),
    os: `${type()} ${release()}`,
    node: process.version,
  };
}

/** Load average over 1, 5 and 15 minutes: other work on the machine skews every figure. */
export function loadAverage(): [number, number, number] {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return [round(one), round(five), round(fifteen)];
}
