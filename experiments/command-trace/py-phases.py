# The program of experiments/command-trace: python3 in phases of growing object sizes. Each phase
# builds a dict of strings and a list of byte strings, keeps every 16th of each and drops the rest,
# so what one phase freed is reused by the next only as far as the allocator's size classes and
# retained (not yet purged) pages let it: peak RSS depends on the allocator's config, the
# allocations themselves do not (one thread, no input, no randomness).
kept = []
for phase in range(8):
    size = 700 + 900 * phase
    d = {f"{phase}-{i}": "x" * (size + i % 97) for i in range(30000 // (phase + 1))}
    l = [b"y" * (3 * size + i % 113) for i in range(12000 // (phase + 1))]
    kept.extend(list(d.values())[::16])
    kept.extend(l[::16])
    del d, l
