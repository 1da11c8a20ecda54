import type * as Tf from '@tensorflow/tfjs';

/** The TensorFlow.js namespace in use and the name of its active backend. */
export interface TensorflowHandle {
  tf: typeof Tf;
  backend: string;
  /** Which package provided it: the native binding when installed, else pure JavaScript. */
  package: '@tensorflow/tfjs-node' | '@tensorflow/tfjs';
}

let loading: Promise<TensorflowHandle> | undefined;

async function load(log: (line: string) => void): Promise<TensorflowHandle> {
  // The native package is an optional dependency (absent on this VM); a variable specifier keeps
  // TypeScript from requiring its types.
  const nativeName = '@tensorflow/tfjs-node';
  let handle: TensorflowHandle;
  try {
    const tf = (await import(nativeName)) as typeof Tf;
    await tf.ready();
    handle = { tf, backend: tf.getBackend(), package: '@tensorflow/tfjs-node' };
  } catch {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    await tf.ready();
    handle = { tf, backend: tf.getBackend(), package: '@tensorflow/tfjs' };
  }
  log(`alloctune: tensorflow backend '${handle.backend}' from ${handle.package}`);
  return handle;
}

/**
 * Loads TensorFlow.js once per process, preferring `@tensorflow/tfjs-node`, and logs which backend
 * is active (to stderr by default, so JSON on stdout stays clean).
 */
export function loadTensorflow(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<TensorflowHandle> {
  loading ??= load(log);
  return loading;
}
