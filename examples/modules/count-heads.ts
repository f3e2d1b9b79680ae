/**
 * The seed's `count_heads.jl` ("Parallel Map and Loops"):
 *
 *     function count_heads(n)
 *         c::Int = 0
 *         for i = 1:n
 *             c += rand(Bool)
 *         end
 *         c
 *     end
 */
export function countHeads(n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) c += Math.random() < 0.5 ? 1 : 0;
  return c;
}
