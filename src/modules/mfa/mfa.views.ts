// The second factor's pages (enrol with a QR code, type a code, save recovery codes), for whoever
// holds a factor: the shop console's staff, Servicio support's agents. Server-rendered, no script.
import { csrfField, layout, type Brand } from '../../http/views/layout.ts';
import { html, raw } from '../../lib/html.ts';

export interface FactorPlace {
  brand: Brand;
  /** "Shop console", "Servicio support" */
  product: string;
  action: string;
  signOut: string;
  home: string;
  /** Why a second factor is asked for, first words of the enrolment page. */
  enrolWhy: string;
  /** Whose code to pick in the app. */
  codeFor: string;
}

export function secondFactorPage(p: { at: FactorPlace; csrf: string; enrol?: { qrSvg: string; secret: string }; error?: string }): string {
  const grouped = p.enrol?.secret.replace(/(.{4})(?=.)/g, '$1 ');
  return layout({
    title: `Second factor · ${p.at.product}`,
    brand: p.at.brand,
    body: html`<div class="card">
<h1>${p.enrol ? 'Set up your authenticator app' : 'Enter your authenticator code'}</h1>
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
${
  p.enrol
    ? html`<p class="lead">${p.at.enrolWhy} Scan this code with an authenticator app (Google Authenticator, 1Password, Authy, Microsoft Authenticator…), then type the 6 digits it shows.</p>
<figure class="qr">${raw(p.enrol.qrSvg)}<figcaption>Can’t scan it? Type this key into the app: <code>${grouped}</code></figcaption></figure>`
    : html`<p class="lead">Open your authenticator app and type the 6-digit code for ${p.at.codeFor}. Lost your phone? Type one of your recovery codes instead.</p>`
}
<form method="post" action="${p.at.action}" novalidate>${csrfField(p.csrf)}
<label for="code">${p.enrol ? '6-digit code from the app' : 'Code'}</label>
<input id="code" name="code" type="text" inputmode="${p.enrol ? 'numeric' : 'text'}" autocomplete="one-time-code" maxlength="20" required${p.error ? html` aria-invalid="true" autofocus` : ''}>
<button type="submit">${p.enrol ? 'Turn it on' : 'Continue'}</button>
</form>
<form method="post" action="${p.at.signOut}" class="signout">${csrfField(p.csrf)}<button type="submit" class="link">Sign out</button></form>
</div>`,
  });
}

export function recoveryCodesPage(p: { at: FactorPlace; codes: string[] }): string {
  return layout({
    title: `Your recovery codes · ${p.at.product}`,
    brand: p.at.brand,
    body: html`<div class="card">
<h1>Save your recovery codes</h1>
<div class="alert ok" role="status">Your second factor is on.</div>
<p class="lead">If you lose your phone, each of these codes lets you in once instead of the app. Print them or keep them in a password manager: <strong>they are shown only now.</strong></p>
<ul class="codes">${p.codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
<a class="button" href="${p.at.home}">Continue</a>
</div>`,
  });
}

