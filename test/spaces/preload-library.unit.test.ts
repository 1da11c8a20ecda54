import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { defaultConfig, encodeConfig, loadSpace, resolvePreloadLibrary } from '../../src/spaces/index.js';

const dir = mkdtempSync(join(tmpdir(), 'alloctune-preload-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function missing(fn: () => unknown, reason: RegExp): void {
  assert.throws(fn, (err: unknown) => isAlloctuneError(err, 'ALLOCTUNE_ERR_LIBRARY_MISSING') && reason.test(err.message));
}

describe('preload library', () => {
  it('Debian libraries for jemalloc, mimalloc and tcmalloc; none for glibc', () => {
    assert.match(resolvePreloadLibrary('jemalloc') ?? '', /libjemalloc\.so\.2$/);
    assert.match(resolvePreloadLibrary('mimalloc') ?? '', /libmimalloc\.so\.2$/);
    assert.match(resolvePreloadLibrary('tcmalloc') ?? '', /libtcmalloc_minimal\.so\.4$/);
    assert.equal(resolvePreloadLibrary('glibc'), undefined);
    assert.equal(encodeConfig(loadSpace('glibc'), defaultConfig(loadSpace('glibc'))).preload, undefined);
  });

  it('hakmem: a clear error without a configured library, and checks the file the worker config gives', () => {
    const hakmem = loadSpace('hakmem');
    missing(() => encodeConfig(hakmem, defaultConfig(hakmem), { env: {} }), /libraries.hakmem or library_dir.*HAKMEM_LIB/);
    missing(() => resolvePreloadLibrary('hakmem', { env: { HAKMEM_LIB: join(dir, 'nope.so') } }), /does not exist/);
    missing(() => resolvePreloadLibrary('hakmem', { libraries: { hakmem: 'libhakmem.so' } }), /absolute/);
    const text = join(dir, 'libhakmem-text.so');
    writeFileSync(text, '#!/bin/sh\necho not a library\n'.repeat(8));
    missing(() => resolvePreloadLibrary('hakmem', { libraries: { hakmem: text } }), /not an ELF/);
    const executable = join(dir, 'libhakmem-exec.so');
    const header = Buffer.alloc(64);
    header.writeUInt32BE(0x7f454c46, 0);
    header[4] = 2; // 64-bit
    header[5] = 1; // little-endian
    header.writeUInt16LE(2, 16); // ET_EXEC
    writeFileSync(executable, header);
    missing(() => resolvePreloadLibrary('hakmem', { libraries: { hakmem: executable } }), /not a shared object/);
    missing(() => resolvePreloadLibrary('hakmem', { libraries: { hakmem: dir } }), /not a regular file/);
    // Any real shared object passes the check (stand-in for a hakmem build).
    const standIn = join(dir, 'libhakmem.so');
    copyFileSync(resolvePreloadLibrary('mimalloc') ?? '', standIn);
    const encoded = encodeConfig(hakmem, defaultConfig(hakmem), { env: { HAKMEM_LIB: standIn } });
    assert.equal(encoded.preload, standIn);
    assert.equal(encoded.env['HAKMEM_WRAP_TINY'], '1');
  });

  it('a library_dir holding an allocator library wins over the Debian one; a symlink out of it is refused', () => {
    const libs = join(dir, 'libs');
    mkdirSync(libs);
    copyFileSync(resolvePreloadLibrary('mimalloc') ?? '', join(libs, 'libhakmem.so'));
    copyFileSync(resolvePreloadLibrary('jemalloc') ?? '', join(libs, 'libjemalloc.so.2'));
    assert.equal(resolvePreloadLibrary('hakmem', { env: {}, libraryDir: libs }), join(libs, 'libhakmem.so'));
    assert.equal(resolvePreloadLibrary('jemalloc', { libraryDir: libs }), join(libs, 'libjemalloc.so.2'));
    // Not in the directory: the Debian library.
    assert.match(resolvePreloadLibrary('tcmalloc', { libraryDir: libs }) ?? '', /^\/usr\/lib\/.*libtcmalloc_minimal\.so\.4$/);
    const elsewhere = join(dir, 'elsewhere.so');
    copyFileSync(resolvePreloadLibrary('mimalloc') ?? '', elsewhere);
    symlinkSync(elsewhere, join(libs, 'libmimalloc.so.2'));
    missing(() => resolvePreloadLibrary('mimalloc', { libraryDir: libs }), /outside the library locations/);
  });
});
