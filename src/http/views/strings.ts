// Every sentence a client reads, in one place so it can be reviewed and translated.
export const messages = {
  identifierRequired: 'Enter the email address or mobile number your service provider has on file.',
  invalidEmail: 'That email address doesn’t look complete. Check it has a name, an “@” and a domain, like jo@example.com.',
  invalidPhone: 'That phone number doesn’t look right. Include the area code, like (555) 201-0142, or start with + and the country code.',
  invalidIdentifier: 'Enter an email address (like jo@example.com) or a mobile number (like 555-201-0142).',
  codeFormat: 'The code is the 6 digits in the message we sent. Type just the digits.',
  codeWrong: 'That code doesn’t match. Check the latest message we sent and try again.',
  codeLocked: 'Too many wrong codes. For your security this sign-in is now closed — request a new link below.',
  codeNoRequest: 'This sign-in has expired or was already used in this browser. Request a new link below.',
  formExpired: 'This page was open too long or came from another site. Please try again.',
  pickExpired: 'Choosing a shop took too long. Request a new link to sign in.',
  pickUnknown: 'Choose one of the shops listed.',
  notFound: 'We couldn’t find that page.',
  serverError: 'Something went wrong on our side. Please try again in a moment.',
  signInNeeded: 'Please sign in to see your portal.',
} as const;
