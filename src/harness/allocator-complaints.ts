// What allocators print on stderr when they reject or adjust a configuration
// (shared/reference/allocator-knobs.md §1.2, §3.1, §4.2). jemalloc prefixes every diagnostic with
// "<jemalloc>: " and keeps going with the default, so only stderr tells that a key was ignored;
// confirm_conf:true prints informational "<jemalloc>:" lines that are not complaints.
const JEMALLOC = /^<jemalloc>: (.*)$/;
const JEMALLOC_INFO = /^<jemalloc>: (?:-- Set conf value|malloc_conf #\d)/;
// mimalloc reports invalid values only with MIMALLOC_SHOW_ERRORS/VERBOSE; verbose "option" lines are info.
const MIMALLOC = /^mimalloc: (?:warning|error): /;
// gperftools: "src/central_freelist.cc:330] tcmalloc: allocation failed 24576"; "large alloc" is a report.
const TCMALLOC = /tcmalloc: (?!large alloc)/;

/**
 * Lines of `stderr` in which an allocator complains about its configuration or fails, in order of
 * appearance, trimmed and without repeats (jemalloc parses its conf string twice and prints each
 * error twice). Empty when the allocator said nothing.
 */
export function findAllocatorComplaints(stderr: string): string[] {
  const found: string[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const complaint =
      (JEMALLOC.test(line) && !JEMALLOC_INFO.test(line)) || MIMALLOC.test(line) || TCMALLOC.test(line);
    if (complaint && !found.includes(line)) found.push(line);
  }
  return found;
}
