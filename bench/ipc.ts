/** A bench child's side of the IPC channel: messages to the parent (parent.ts), errors as text. */
import type { ChildMessage } from './child.js';

export function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) throw new Error('a bench child runs only when forked by its bench (bench/parent.ts)');
    process.send(message, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
