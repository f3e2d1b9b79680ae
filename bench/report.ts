/**
 * Reporting for benchmarks that time a few versions of one task: per-version median/min/max and
 * the ratio of each median to a baseline's, as an aligned table on stdout, a JSON record (with
 * the machine it ran on), and an SVG bar chart. The machine is shared and noisy, so medians and
 * ratios within one run are what to compare; min–max shows how noisy the run was.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

/** One version's timed runs, in milliseconds. */
export interface Row {
  name: string;
  samples: number[];
}

export interface Summary {
  name: string;
  runs: number;
  median: number;
  min: number;
  max: number;
  /** median / baseline's median: below 1 is faster than the baseline. */
  ratio: number;
  samples: number[];
}

export interface ReportOptions {
  title: string;
  /** The row the ratios are relative to. */
  baseline: string;
  /** The benchmark's parameters, recorded in the JSON and shown under the chart's title. */
  args: Record<string, string | number | boolean>;
  jsonPath: string;
  svgPath: string;
  /** More figures for the JSON record. */
  extra?: Record<string, unknown>;
}

export function summarize(rows: Row[], baseline: string): Summary[] {
  const base = rows.find((r) => r.name === baseline);
  if (!base) throw new Error(`baseline ${baseline} is not among the rows (${rows.map((r) => r.name).join(', ')})`);
  const baseMedian = median(base.samples);
  return rows.map(({ name, samples }) => {
    const m = median(samples);
    return { name, runs: samples.length, median: m, min: Math.min(...samples), max: Math.max(...samples), ratio: m / baseMedian, samples };
  });
}

/** Print the table, write the JSON and the SVG; returns the summaries. */
export async function report(rows: Row[], opts: ReportOptions): Promise<Summary[]> {
  const summaries = summarize(rows, opts.baseline);
  const machine = machineInfo();
  console.log(formatTable(summaries, opts.baseline));
  const record = { title: opts.title, date: new Date().toISOString(), machine, args: opts.args, baseline: opts.baseline, results: summaries, ...opts.extra };
  await writeOut(opts.jsonPath, `${JSON.stringify(record, null, 2)}\n`);
  await writeOut(opts.svgPath, renderSvg(summaries, { ...opts, subtitle: subtitle(opts.args, machine) }));
  console.log(`wrote ${opts.jsonPath} and ${opts.svgPath}`);
  return summaries;
}

export function formatTable(summaries: Summary[], baseline: string): string {
  const header = ['version', 'runs', 'median ms', 'min ms', 'max ms', `vs ${baseline}`];
  const body = summaries.map((s) => [s.name, String(s.runs), ms(s.median), ms(s.min), ms(s.max), `${s.ratio.toFixed(2)}×`]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => (r[c] as string).length)));
  // Names align left, numbers right.
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  availableParallelism: number;
  totalMemoryBytes: number;
  node: string;
  platform: string;
  arch: string;
  /** 1, 5 and 15 minute load averages at the end of the run: how busy the shared machine was. */
  loadavg: number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    availableParallelism: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    loadavg: os.loadavg(),
  };
}

/**
 * A horizontal bar per version: the bar is the median, the whisker spans min–max, and the label
 * gives the median and the ratio to the baseline. The baseline's bar is grey, the others blue.
 */
export function renderSvg(summaries: Summary[], opts: { title: string; baseline: string; subtitle: string }): string {
  const width = 820;
  const labelWidth = Math.min(300, 24 + 7.2 * Math.max(...summaries.map((s) => s.name.length)));
  const plotLeft = labelWidth;
  const plotRight = width - 150; // room for the value label past the longest whisker
  const top = 74;
  const rowHeight = 40;
  const barHeight = 22;
  const plotBottom = top + rowHeight * summaries.length;
  const height = plotBottom + 48;

  const ticks = niceTicks(Math.max(...summaries.map((s) => s.max)));
  const domain = ticks[ticks.length - 1] as number;
  const x = (v: number): number => plotLeft + ((plotRight - plotLeft) * v) / domain;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="28" font-size="17" font-weight="bold" fill="#222">${esc(opts.title)}</text>`,
    `<text x="16" y="50" font-size="12" fill="#666">${esc(opts.subtitle)}</text>`,
  );
  for (const t of ticks) {
    const tx = f(x(t));
    out.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${plotBottom}" stroke="#e4e4e4"/>`,
      `<text x="${tx}" y="${plotBottom + 18}" text-anchor="middle" fill="#666">${t}</text>`,
    );
  }
  out.push(
    `<line x1="${plotLeft}" y1="${top - 6}" x2="${plotLeft}" y2="${plotBottom}" stroke="#999"/>`,
    `<text x="${f((plotLeft + plotRight) / 2)}" y="${plotBottom + 38}" text-anchor="middle" fill="#444">` +
      `ms per run: bar = median, whiskers = min–max, ratio = median ÷ median of ${esc(opts.baseline)}</text>`,
  );
  summaries.forEach((s, r) => {
    const cy = top + rowHeight * r + rowHeight / 2;
    const isBase = s.name === opts.baseline;
    const ratio = isBase ? 'baseline' : `${s.ratio.toFixed(2)}×`;
    out.push(
      `<text x="${plotLeft - 10}" y="${f(cy + 4.5)}" text-anchor="end" fill="#222">${esc(s.name)}</text>`,
      `<rect x="${plotLeft}" y="${f(cy - barHeight / 2)}" width="${f(x(s.median) - plotLeft)}" height="${barHeight}" ` +
        `fill="${isBase ? '#9aa3ad' : '#4c78a8'}"/>`,
      `<line x1="${f(x(s.min))}" y1="${f(cy)}" x2="${f(x(s.max))}" y2="${f(cy)}" stroke="#222" stroke-width="1.5"/>`,
      ...[s.min, s.max].map(
        (v) => `<line x1="${f(x(v))}" y1="${f(cy - 6)}" x2="${f(x(v))}" y2="${f(cy + 6)}" stroke="#222" stroke-width="1.5"/>`,
      ),
      `<text x="${f(x(s.max) + 8)}" y="${f(cy + 4.5)}" fill="#222">${ms(s.median)} ms · ` +
        `<tspan fill="${isBase ? '#666' : '#2a5d8f'}" font-weight="bold">${esc(ratio)}</tspan></text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}

function subtitle(args: ReportOptions['args'], m: MachineInfo): string {
  const a = Object.entries(args)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const gib = (m.totalMemoryBytes / 2 ** 30).toFixed(0);
  return `${a} · ${m.cpus} cpus, ${gib} GiB · node ${m.node} · ${new Date().toISOString().slice(0, 10)}`;
}

// 4–7 ticks from 0 at a 1/2/5×10^k step, the last at or above `max`.
function niceTicks(max: number): number[] {
  const raw = (max > 0 ? max : 1) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) as number) * mag;
  const ticks: number[] = [];
  for (let k = 0; ; k++) {
    const t = Number((k * step).toPrecision(12));
    ticks.push(t);
    if (t >= max) return ticks;
  }
}

/** The median of the samples (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('no samples');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function f(v: number): string {
  return v.toFixed(1);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

async function writeOut(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/**
 * Where a run's output goes: bench/results/ (ignored by git, so a run never dirties tracked files;
 * reference runs are committed in bench/reference/).
 */
export function resultPath(file: string): string {
  return fileURLToPath(new URL(`../../bench/results/${file}`, import.meta.url));
}

/** Write `bench/results/<name>.json`: the figures, with the machine and the moment they were measured on. */
export async function writeResult(name: string, figures: Record<string, unknown>): Promise<void> {
  const path = resultPath(`${name}.json`);
  await writeOut(path, `${JSON.stringify({ name, date: new Date().toISOString(), machine: machineInfo(), ...figures }, null, 2)}\n`);
  console.log(`wrote ${path}`);
}
