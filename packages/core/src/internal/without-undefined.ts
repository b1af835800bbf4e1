/**
 * Drop keys whose value is `undefined`, so an options object built from optional inputs fits
 * third-party option types under `exactOptionalPropertyTypes`.
 */
export function withoutUndefined<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = inner
  return out as { [K in keyof T]?: Exclude<T[K], undefined> }
}
