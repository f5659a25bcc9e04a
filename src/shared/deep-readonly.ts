/**
 * A type inferred from a zod schema (mutable arrays and objects) as the code holds it: built-in
 * definitions and parsed custom ones are shared, never changed in place.
 */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer Item)[]
    ? readonly DeepReadonly<Item>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;
