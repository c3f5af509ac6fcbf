import { describe, expect, it } from 'vitest';
import { createDeviceCookies } from './device-cookie.ts';

const devices = createDeviceCookies('a-secret-that-is-long-enough-0123456789');

describe('device cookies', () => {
  it('vouch for the identifiers this browser proved, and no other', () => {
    const cookie = devices.after(undefined, 'maria@example.com');
    const id = devices.vouchesFor(cookie, 'maria@example.com');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(devices.vouchesFor(cookie, 'sam@example.com')).toBeNull();
    const both = devices.after(cookie, '+15125550187');
    expect(devices.vouchesFor(both, '+15125550187')).toBe(id); // same device, one more identifier
    expect(devices.vouchesFor(both, 'maria@example.com')).toBe(id);
    expect(both).not.toContain('maria');
  });

  it('keep the five most recent identifiers', () => {
    let cookie: string | undefined;
    for (let i = 0; i < 7; i++) cookie = devices.after(cookie, `p${i}@example.com`);
    expect(devices.vouchesFor(cookie, 'p6@example.com')).not.toBeNull();
    expect(devices.vouchesFor(cookie, 'p2@example.com')).not.toBeNull();
    expect(devices.vouchesFor(cookie, 'p1@example.com')).toBeNull();
  });

  it('refuse forged, tampered and foreign cookies', () => {
    const cookie = devices.after(undefined, 'maria@example.com');
    const [id, hashes, mac] = cookie.split('.') as [string, string, string];
    const other = createDeviceCookies('another-secret-that-is-long-enough-xx');
    expect(devices.vouchesFor(`${id}.${hashes}.${mac.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`, 'maria@example.com')).toBeNull();
    expect(devices.vouchesFor(`${'Z'.repeat(22)}.${hashes}.${mac}`, 'maria@example.com')).toBeNull();
    expect(other.vouchesFor(cookie, 'maria@example.com')).toBeNull();
    expect(devices.vouchesFor('garbage', 'maria@example.com')).toBeNull();
    expect(devices.vouchesFor(undefined, 'maria@example.com')).toBeNull();
  });
});
