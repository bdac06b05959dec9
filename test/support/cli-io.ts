import type { CliIo } from '../../bin/io.ts';

export type CapturedIo = CliIo & { readonly stdout: string; readonly stderr: string };

/** A CliIo that records what a command prints, for tests that call `main([...], io)`. */
export function captureIo(options: {
  cwd: string;
  stdin?: string;
  env?: NodeJS.ProcessEnv;
}): CapturedIo {
  let out = '';
  let err = '';
  const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
  return {
    out: (text) => {
      out += line(text);
    },
    err: (text) => {
      err += line(text);
    },
    readStdin: async () => options.stdin ?? '',
    env: options.env ?? {},
    cwd: options.cwd,
    get stdout() {
      return out;
    },
    get stderr() {
      return err;
    },
  };
}
