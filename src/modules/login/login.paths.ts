// Where each audience signs in: clients to the portal, staff to the shop console. The flow is the
// same (login.service); only the addresses, the cookie and the words differ.
import type { Audience } from './login.service.ts';

export interface AudiencePaths {
  audience: Audience;
  signIn: string;
  check: string;
  code: string;
  /** "Send again": a new message for the same email or phone, once a minute. */
  again: string;
  /** "Text me instead" — clients only (staff sign in by email). */
  otherChannel: string | null;
  pick: string;
  home: string;
  session: 'session' | 'staff' | 'support';
}

export const PATHS: Record<Audience, AudiencePaths> = {
  client: { audience: 'client', signIn: '/client-login', check: '/client-login/check', code: '/client-login/code', again: '/client-login/again', otherChannel: '/client-login/other-channel', pick: '/choose-shop', home: '/portal', session: 'session' },
  staff: { audience: 'staff', signIn: '/shop/sign-in', check: '/shop/sign-in/check', code: '/shop/sign-in/code', again: '/shop/sign-in/again', otherChannel: null, pick: '/shop/choose-shop', home: '/shop', session: 'staff' },
  support: { audience: 'support', signIn: '/support/sign-in', check: '/support/sign-in/check', code: '/support/sign-in/code', again: '/support/sign-in/again', otherChannel: null, pick: '/support/choose', home: '/support', session: 'support' },
};
