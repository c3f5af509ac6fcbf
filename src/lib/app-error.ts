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
    /** Per-field problems, for a body that fails validation in several places at once. */
    readonly details?: { path: string; message: string }[],
    /** The specifics the message was made from, by name: a page in another language words it from these. */
    readonly vars: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  /** The same error, about another field (e.g. email or phone, known only when it happens). */
  about(field: string): AppError {
    return new AppError(this.code, this.message, this.status, field, this.details, this.vars);
  }
}

type Message = string | ((...args: never[]) => string);
export interface ErrorDef {
  status: number;
  /** What the person reads: a sentence, or a function of the specifics (a name, an id). */
  message: Message;
  field?: string;
  /** For the API reference when the message depends on the specifics. */
  doc?: string;
  /** The code programs see, when it differs from the catalog key (one code, two meanings). */
  code?: string;
  /** Names for the message function's arguments, kept on the error for translated pages. */
  vars?: readonly string[];
  /** Which variant of the translated sentence fits these arguments (an i18next context). */
  context?: (...args: never[]) => string | undefined;
}
type Thrower<M> = M extends (...args: infer A) => string ? (...args: A) => AppError : () => AppError;
export type ErrorCatalog<T extends Record<string, ErrorDef>> = { [K in keyof T]: Thrower<T[K]['message']> } & {
  /** Every error of the catalog, for the OpenAPI document. */
  readonly all: ErrorDoc[];
  /** Some of them, by key: the errors one operation can answer with. */
  pick(...keys: (keyof T & string)[]): ErrorDoc[];
};
export interface ErrorDoc {
  code: string;
  status: number;
  description: string;
}

/** Declares a module's errors once: `errors.CONTACT_TAKEN(name, 'email')` makes a ready AppError. */
export function errorCatalog<T extends Record<string, ErrorDef>>(defs: T): ErrorCatalog<T> {
  const out: Record<string, unknown> = {};
  for (const [code, def] of Object.entries(defs)) {
    out[code] = (...args: unknown[]) => {
      const vars: Record<string, unknown> = Object.fromEntries((def.vars ?? []).map((name, i) => [name, args[i]]));
      const context = def.context ? (def.context as (...a: unknown[]) => string | undefined)(...args) : undefined;
      if (context) vars.context = context;
      return new AppError(def.code ?? code, typeof def.message === 'function' ? (def.message as (...a: unknown[]) => string)(...args) : def.message, def.status, def.field, undefined, vars);
    };
  }
  const doc = (code: string, def: ErrorDef): ErrorDoc => ({ code: def.code ?? code, status: def.status, description: def.doc ?? (typeof def.message === 'string' ? def.message : code) });
  out.all = Object.entries(defs).map(([code, def]) => doc(code, def));
  out.pick = (...keys: string[]) => keys.map((k) => doc(k, defs[k]!));
  return out as ErrorCatalog<T>;
}
