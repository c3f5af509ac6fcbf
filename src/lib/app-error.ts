/**
 * The one error type services throw for expected failures. `message` is safe to show to the
 * person who can fix it; `code` is stable for programs and for `?error=CODE` redirects.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Declares a module's error catalog once: `errors.INVALID_CODE()` throws-ready instances. */
export function errorCatalog<T extends Record<string, { status: number; message: string; field?: string }>>(defs: T) {
  const out = {} as { [K in keyof T]: () => AppError };
  for (const [code, def] of Object.entries(defs)) {
    (out as Record<string, () => AppError>)[code] = () => new AppError(code, def.message, def.status, def.field);
  }
  return out;
}
