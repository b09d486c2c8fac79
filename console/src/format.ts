/** Money in yuan from integer fen; times in Asia/Shanghai (business time), whatever the browser's zone. */
export const TZ = 'Asia/Shanghai';

export function yuan(fen: number | undefined | null): string {
  if (fen === undefined || fen === null || Number.isNaN(fen)) return '—';
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.round(fen));
  return `${sign}¥${Math.floor(abs / 100).toLocaleString('zh-CN')}.${String(abs % 100).padStart(2, '0')}`;
}

/** Fen from a yuan amount typed by staff (two decimals at most). */
export const fenOf = (yuanAmount: number) => Math.round(yuanAmount * 100);

const dtf = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
const df = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });

export function dateTime(iso: string | undefined | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dtf.format(d);
}

/** `YYYY-MM-DD` of an instant in Asia/Shanghai. */
export const shanghaiDate = (d: Date = new Date()) => df.format(d);

/** The date `n` days after `YYYY-MM-DD` (calendar arithmetic, no zone involved). */
export function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function countdown(ms: number): string {
  if (ms <= 0) return '已截单';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h} 小时 ${String(m).padStart(2, '0')} 分 ${String(s % 60).padStart(2, '0')} 秒`;
}

export const percent = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
