/**
 * Dense Cholesky factorisation and triangular solves on row-major Float64Arrays. The GP hot path
 * uses these instead of ml-matrix's solve(), which took ~200 ms for a 300x300 right-hand side here
 * (measured 2026-11 on the 2-vCPU VM) against a few ms for these loops.
 */

/** Lower factor L (row-major n x n) with L L^T = A, or undefined when A is not positive definite. */
export function choleskyLower(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let sum = a[ri + j] as number;
      for (let k = 0; k < j; k++) sum -= (l[ri + k] as number) * (l[rj + k] as number);
      if (i === j) {
        if (!(sum > 0)) return undefined;
        l[ri + i] = Math.sqrt(sum);
      } else {
        l[ri + j] = sum / (l[rj + j] as number);
      }
    }
  }
  return l;
}

/** Solves L x = b (forward substitution). */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let sum = b[i] as number;
    for (let k = 0; k < i; k++) sum -= (l[ri + k] as number) * (x[k] as number);
    x[i] = sum / (l[ri + i] as number);
  }
  return x;
}

/** Solves L^T x = b (back substitution with the lower factor). */
export function solveUpperT(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(b as ArrayLike<number>);
  for (let i = n - 1; i >= 0; i--) {
    const xi = (x[i] as number) / (l[i * n + i] as number);
    x[i] = xi;
    for (let k = 0; k < i; k++) x[k] = (x[k] as number) - (l[i * n + k] as number) * xi;
  }
  return x;
}

/** Solves (L L^T) x = b. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  return solveUpperT(l, n, solveLower(l, n, b));
}

/** A^-1 from its Cholesky factor (row-major, symmetric). */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  // Row j of m is column j of L^-1 (forward substitution on e_j), so both loops below run over
  // contiguous memory; A^-1 = L^-T L^-1 = m m^T. Column-wise access was 4x slower at n = 300.
  const m = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    m[rj + j] = 1 / (l[j * n + j] as number);
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let sum = 0;
      for (let k = j; k < i; k++) sum -= (l[ri + k] as number) * (m[rj + k] as number);
      m[rj + i] = sum / (l[ri + i] as number);
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let sum = 0;
      for (let k = i; k < n; k++) sum += (m[ri + k] as number) * (m[rj + k] as number);
      inv[ri + j] = sum;
      inv[rj + i] = sum;
    }
  }
  return inv;
}

/**
 * The factor of A extended by one row/column ([A k; k^T c]) in O(n^2), for fantasy points
 * (kriging believer) without refactorising. Undefined when the extension is not positive definite.
 */
export function appendCholesky(l: Float64Array, n: number, k: ArrayLike<number>, c: number): Float64Array | undefined {
  const m = n + 1;
  const out = new Float64Array(m * m);
  for (let i = 0; i < n; i++) out.set(l.subarray(i * n, i * n + i + 1), i * m);
  const v = solveLower(l, n, k);
  let d = c;
  for (let i = 0; i < n; i++) d -= (v[i] as number) * (v[i] as number);
  if (!(d > 0)) return undefined;
  out.set(v, n * m);
  out[n * m + n] = Math.sqrt(d);
  return out;
}
