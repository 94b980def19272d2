import { readEnvVars } from '@nhs-hub/kit/platform';
import { describe, expect, it } from 'vitest';
import { corsPolicy } from './cors.js';

describe('CORS', () => {
  it('reads HUB_CORS_ORIGINS as exact origins: a list allows exactly those, an empty one none, even in development', () => {
    const origins = (value: string) => readEnvVars(['HUB_CORS_ORIGINS'], { HUB_CORS_ORIGINS: value }).HUB_CORS_ORIGINS;
    const listed = origins(' https://tools.england.nhs.uk , http://localhost:5173,');
    expect(listed).toEqual(['https://tools.england.nhs.uk', 'http://localhost:5173']);
    const development = corsPolicy(listed, false);
    expect(development('https://tools.england.nhs.uk')).toMatchObject({ origin: ['https://tools.england.nhs.uk'] });
    expect(development('http://localhost:5173')).toMatchObject({ credentials: false });
    // Listed origins replace the development default: another localhost port is not one of them.
    expect(development('http://localhost:3000')).toBe(false);
    expect(development('https://tools.england.nhs.uk.evil.example')).toBe(false);
    expect(origins('')).toEqual([]);
    expect(corsPolicy(origins(''), false)('http://localhost:5173')).toBe(false);
    // Unset: localhost ports in development, nothing in production.
    expect(readEnvVars(['HUB_CORS_ORIGINS'], {}).HUB_CORS_ORIGINS).toBeUndefined();
    expect(corsPolicy(undefined, false)('http://127.0.0.1:5173')).toMatchObject({ origin: ['http://127.0.0.1:5173'] });
    expect(corsPolicy(undefined, true)('http://127.0.0.1:5173')).toBe(false);
    for (const wrong of [
      'https://tools.england.nhs.uk/',
      'https://tools.england.nhs.uk/app',
      'tools.england.nhs.uk',
      '*',
    ])
      expect(() => origins(wrong), wrong).toThrow(/HUB_CORS_ORIGINS: .*is not an exact origin/);
  });
});
