/**
 * Reads a population as the tracker states it ("1.7 M", "800,000", "1.4 million (M)", "300K",
 * "2.64M") into a whole number of people. Arithmetic is done on the decimal digits, never through
 * a binary float, so 2.64M is exactly 2640000.
 */
const POPULATION = /Population:\**\s*(\d[\d,]*(?:\.\d+)?)\s*(M\b|K\b|million\b)?/;

export function parsePopulation(text: string): number | null {
  const match = POPULATION.exec(text);
  if (!match?.[1]) return null;
  const digits = match[1].replaceAll(',', '');
  const unit = match[2];
  const power = unit === 'M' || unit === 'million' ? 6 : unit === 'K' ? 3 : 0;
  const [whole = '', fraction = ''] = digits.split('.');
  if (fraction.length > power) return null; // would be a fractional person: refuse rather than round
  return Number(whole + fraction.padEnd(power, '0'));
}
