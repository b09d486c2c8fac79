/** Time-sortable ids and random codes. */
export interface Ids {
  /** A new time-sortable id (ULID). */
  newId(): string;
  /** `digits` random decimal digits from a CSPRNG (pickup codes). */
  digits(count: number): string;
}
