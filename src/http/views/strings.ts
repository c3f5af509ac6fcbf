// Sentences the HTTP layer itself says (each module's own are in its error catalog and views).
export const messages = {
  formExpired: 'This page was open too long or came from another site. Please try again.',
  notFound: 'We couldn’t find that page.',
  serverError: 'Something went wrong on our side. Please try again in a moment.',
  badRequest: 'The request could not be read. Please check it and try again.',
} as const;
