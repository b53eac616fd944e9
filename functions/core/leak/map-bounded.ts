/** Maps in order with at most `limit` calls in flight (a pool, not fixed-size waves). */
export async function mapBounded<T, R>(values: readonly T[], limit: number, run: (value: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(values.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < values.length; i = next++) results[i] = await run(values[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, values.length)) }, lane));
  return results;
}
