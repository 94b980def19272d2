import type { IncomingMessage } from 'node:http';
import { signTestToken, TEST_JWT_SECRET } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { announcementIn, purgeRefusal } from './call.js';

process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;
const call = (method: string, headers: Record<string, string> = {}) => ({ method, headers }) as IncomingMessage;
const PURGE_KEY = 'a-local-purge-key-of-npm-start';

describe('who may purge', () => {
  it('a POST with the local purge key, or with a token of scope hub:cache:purge', async () => {
    expect(await purgeRefusal(call('POST', { 'x-hub-purge-key': PURGE_KEY }), PURGE_KEY)).toBeNull();
    const token = await signTestToken({ scope: 'hub:cache:purge', sub: 'loader' });
    expect(await purgeRefusal(call('POST', { authorization: token }), undefined)).toBeNull();
  });

  it('nobody else: 401 without a credential, a wrong key, or a token that does not verify; 403 with another scope', async () => {
    const unauthenticated = {
      status: 401,
      code: 'UNAUTHENTICATED',
      message: 'Purging the response cache needs a bearer token with scope "hub:cache:purge"',
    };
    expect(await purgeRefusal(call('POST'), PURGE_KEY)).toEqual(unauthenticated);
    expect(await purgeRefusal(call('POST', { 'x-hub-purge-key': 'guessed' }), PURGE_KEY)).toEqual(unauthenticated);
    // Where no key is set (a deployment), presenting one is no credential at all.
    expect(await purgeRefusal(call('POST', { 'x-hub-purge-key': '' }), undefined)).toEqual(unauthenticated);
    expect(await purgeRefusal(call('POST', { authorization: 'Bearer not.a.token' }), PURGE_KEY)).toEqual(
      unauthenticated,
    );
    const reader = await signTestToken({ scope: 'region:director', sub: 'director' });
    expect(await purgeRefusal(call('POST', { authorization: reader }), PURGE_KEY)).toEqual({
      ...unauthenticated,
      status: 403,
      code: 'FORBIDDEN',
    });
  });

  it('never by GET, whatever it carries', async () => {
    expect(await purgeRefusal(call('GET', { 'x-hub-purge-key': PURGE_KEY }), PURGE_KEY)).toEqual({
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
      message: 'POST to purge the response cache',
    });
  });
});

describe('the release a purge call names', () => {
  const release = {
    subgraph: 'workforce',
    id: 7,
    at: '2026-12-01T09:00:00.000Z',
    kind: 'load',
    tables: ['fact'],
    counts: { inserted: 3, updated: 1, deleted: 0 },
  };

  it('is read from `release` in its JSON body, with the defaults of what it left out', () => {
    expect(announcementIn(JSON.stringify({ release }))).toEqual({
      ...release,
      actor: '',
      files: [],
      reverts: null,
      revertedBy: null,
    });
  });

  it('is none for an empty body, a body that is not JSON, or a release that is not one', () => {
    expect(announcementIn(undefined)).toBeNull();
    expect(announcementIn('')).toBeNull();
    expect(announcementIn('{"release":')).toBeNull();
    expect(announcementIn(JSON.stringify({ purge: true }))).toBeNull();
    expect(announcementIn(JSON.stringify({ release: { ...release, subgraph: 'Not A Name' } }))).toBeNull();
    expect(announcementIn(JSON.stringify({ release: { ...release, id: 0 } }))).toBeNull();
  });
});
