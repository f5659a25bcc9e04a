/**
 * Readonly all the way down: a type inferred from a zod schema (mutable arrays and objects) as the
 * code holds it — built-in and parsed custom definitions are shared, never changed in place — and
 * what an API client sends, so data read from the API (readonly) can be sent back as is.
 */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer Item)[]
    ? readonly DeepReadonly<Item>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;
