/** Masks for showing and logging a destination without revealing it: j***@example.com, ***-***-0142. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***@${email.slice(at + 1)}`;
}

export function maskPhone(phone: string): string {
  return `***-***-${phone.slice(-4)}`;
}

export function maskIdentifier(kind: 'email' | 'phone', value: string): string {
  return kind === 'email' ? maskEmail(value) : maskPhone(value);
}
