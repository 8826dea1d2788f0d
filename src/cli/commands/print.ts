/**
 * Writing to stdout and waiting until it is handed to the OS, so `process.exit()` after it loses nothing.
 * @module
 */

/** Writes `data` and resolves once it is flushed; a closed pipe (`| head`) is not an error. */
export function print(stream: NodeJS.WritableStream, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => {
      if (err && (err as NodeJS.ErrnoException).code !== 'EPIPE') reject(err);
      else resolve();
    });
  });
}
