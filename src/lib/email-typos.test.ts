import { describe, expect, it } from 'vitest';
import { suggestEmail } from './email-typos.ts';

describe('email typo suggestions', () => {
  it('suggests the common domain a slip was meant to be, and leaves real domains alone', () => {
    expect(suggestEmail('maria@gmial.com')).toBe('maria@gmail.com');
    expect(suggestEmail('maria@gmail.con')).toBe('maria@gmail.com');
    expect(suggestEmail('maria@yaho.com')).toBe('maria@yahoo.com');
    expect(suggestEmail('maria@hotmial.com')).toBe('maria@hotmail.com');
    expect(suggestEmail('maria@gmail.com')).toBeNull();
    expect(suggestEmail('maria@greenway-lawn.com')).toBeNull();
    expect(suggestEmail('maria@example.com')).toBeNull();
  });
});
