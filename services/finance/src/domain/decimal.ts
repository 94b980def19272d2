/**
 * Exact decimal arithmetic on strings, backed by BigInt: money is never a binary float.
 * A value is `units / 10^scale`; results are printed without trailing zeros ("399.3", "1824").
 */
export interface Dec {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

export function dec(text: string): Dec {
  const m = DECIMAL.exec(text);
  if (!m) throw new Error(`not a decimal: ${JSON.stringify(text)}`);
  const [, sign, whole = '0', fraction = ''] = m;
  const units = BigInt(`${whole}${fraction}`) * (sign === '-' ? -1n : 1n);
  return { units, scale: fraction.length };
}

function rescale(d: Dec, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

export function decToString(d: Dec): string {
  const negative = d.units < 0n;
  let digits = (negative ? -d.units : d.units).toString();
  let scale = d.scale;
  while (scale > 0 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    scale -= 1;
  }
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return `${negative && digits !== '0' ? '-' : ''}${digits}`;
}

/** Normalises a decimal string: "399.30" -> "399.3", "007" -> "7". */
export function normalize(text: string): string {
  return decToString(dec(text));
}

export function add(...values: string[]): string {
  const ds = values.map(dec);
  const scale = Math.max(0, ...ds.map((d) => d.scale));
  return decToString({ units: ds.reduce((sum, d) => sum + rescale(d, scale), 0n), scale });
}

export function subtract(a: string, b: string): string {
  const x = dec(a);
  const y = dec(b);
  const scale = Math.max(x.scale, y.scale);
  return decToString({ units: rescale(x, scale) - rescale(y, scale), scale });
}

/** Multiplies by 10^power (power >= 0): £1.824 B -> 1824 (£M). */
export function shift(text: string, power: number): string {
  const d = dec(text);
  if (power >= d.scale) return decToString({ units: d.units * 10n ** BigInt(power - d.scale), scale: 0 });
  return decToString({ units: d.units, scale: d.scale - power });
}

/**
 * Half of the last unit of a figure written with `decimals` decimal places and multiplied by
 * 10^power: halfUnit(0, 0) = "0.5" (641), halfUnit(2, 0) = "0.005" (341.66), halfUnit(2, 3) = "5"
 * (1.74 B in millions).
 */
export function halfUnit(decimals: number, power: number): string {
  const exponent = power - decimals - 1;
  return decToString(
    exponent >= 0 ? { units: 5n * 10n ** BigInt(exponent), scale: 0 } : { units: 5n, scale: -exponent },
  );
}

export function compare(a: string, b: string): -1 | 0 | 1 {
  const x = dec(a);
  const y = dec(b);
  const scale = Math.max(x.scale, y.scale);
  const l = rescale(x, scale);
  const r = rescale(y, scale);
  return l < r ? -1 : l > r ? 1 : 0;
}

export const equals = (a: string, b: string): boolean => compare(a, b) === 0;

/**
 * `numerator * 10^power / divisor`, rounded half away from zero to `places` decimal places.
 * Used for per-head figures: £M * 1e6 / people.
 */
export function divide(numerator: string, divisor: bigint, power: number, places: number): string {
  if (divisor === 0n) throw new Error('division by zero');
  const d = dec(numerator);
  // value = units * 10^(power - scale) / divisor; scaled by 10^places for the result.
  const exponent = power - d.scale + places;
  let num = d.units;
  let den = divisor;
  if (exponent >= 0) num *= 10n ** BigInt(exponent);
  else den *= 10n ** BigInt(-exponent);
  const negative = num < 0n !== den < 0n;
  const n = num < 0n ? -num : num;
  const q = den < 0n ? -den : den;
  let result = n / q;
  if ((n % q) * 2n >= q) result += 1n;
  return decToString({ units: negative ? -result : result, scale: places });
}
