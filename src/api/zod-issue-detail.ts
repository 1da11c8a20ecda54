/** The parts of a zod issue that {@link innermostIssue} reads. */
export interface ZodIssueLike {
  code?: string;
  path?: readonly PropertyKey[];
  message?: string;
  /** invalid_union: the issues of each branch. */
  errors?: readonly (readonly ZodIssueLike[])[];
  /** invalid_key / invalid_element: the issues of the key or element itself. */
  issues?: readonly ZodIssueLike[];
  /** unrecognized_keys: the keys a strict object does not take. */
  keys?: readonly string[];
}

function depth(issues: readonly ZodIssueLike[]): number {
  return Math.max(0, ...issues.map((i) => i.path?.length ?? 0));
}

/**
 * The most specific problem inside a zod issue, with its path from the outer issue's root: for a
 * union that matched no branch ("Invalid input"), the issue of the branch that came closest (fewest
 * issues, then the deepest); for a bad record key ("Invalid key in record"), the key's own message;
 * for keys a strict object does not take, the path of the first of them.
 */
export function innermostIssue(issue: ZodIssueLike): { path: PropertyKey[]; message: string } {
  const path = [...(issue.path ?? [])];
  if (issue.code === 'invalid_union' && issue.errors && issue.errors.length > 0) {
    const closest = [...issue.errors].sort((a, b) => a.length - b.length || depth(b) - depth(a))[0] ?? [];
    const deepest = [...closest].sort((a, b) => (b.path?.length ?? 0) - (a.path?.length ?? 0))[0];
    if (deepest) {
      const inner = innermostIssue(deepest);
      return { path: [...path, ...inner.path], message: inner.message };
    }
  }
  if ((issue.code === 'invalid_key' || issue.code === 'invalid_element') && issue.issues?.[0]) {
    const inner = innermostIssue(issue.issues[0]);
    return { path: [...path, ...inner.path], message: inner.message };
  }
  const unknown = issue.code === 'unrecognized_keys' ? issue.keys?.[0] : undefined;
  return { path: unknown === undefined ? path : [...path, unknown], message: issue.message ?? 'invalid' };
}
