// One scrubber for everything that leaves the process as text: log lines (web and CLI), and the
// provider errors kept in the outbox and the audit log.
// Shapes of our secrets: a token-bearing path segment, a cookie/session token `<uuid>.<secret>`,
// an API key. Matched anywhere in a serialized log line.
const SECRET_SHAPES: [RegExp, string][] = [
  [/\/([lsr])\/[^\s"'?#\\/]+/g, '/$1/[redacted]'], // login, signed-email and recovery links
  [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9_-]{16,}/g, '[redacted]'],
  [/spk_[0-9a-f]{32}_[A-Za-z0-9_-]+/g, 'spk_[redacted]'],
  [/\b[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{16}(?:~[A-Za-z0-9_-]{16}){0,4}\.[A-Za-z0-9_-]{32}\b/g, '[redacted]'], // device cookie
];

export function redactSecrets(line: string): string {
  let out = line;
  for (const [shape, replacement] of SECRET_SHAPES) out = out.replace(shape, replacement);
  return out;
}

