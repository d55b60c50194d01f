// Runs the Nestbox server as a supervised child process. No Electron import: the desktop shell
// hands in a spawn function built on utilityProcess.fork, tests hand in child_process.fork.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export type LogStream = 'stdout' | 'stderr';

/** The few things the supervisor needs from a child, whatever started it. */
export interface ChildHandle {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  /** Called once, when the process has gone. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Ask for a graceful shutdown (SIGTERM on POSIX). */
  terminate(): void;
  /** End it now (SIGKILL on POSIX). */
  kill(): void;
}

export type SpawnFn = (env: Record<string, string>) => ChildHandle;

export type SupervisorState = 'stopped' | 'running' | 'waiting' | 'stopping' | 'paused';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export interface SupervisorOptions {
  spawn: SpawnFn;
  env?: Record<string, string>;
  backoff?: Partial<BackoffOptions>;
  /** A child that has run this long counts as stable: the next crash restarts after initialMs again. */
  stableAfterMs?: number;
  /** How long stop() waits for a graceful exit before killing. */
  stopTimeoutMs?: number;
  onLog?: (line: string, stream: LogStream) => void;
  onState?: (state: SupervisorState, info: SupervisorInfo) => void;
}

export interface SupervisorInfo {
  pid: number | undefined;
  /** Restarts after unexpected exits since start() or resume(). */
  restarts: number;
  /** Delay before the pending restart, while waiting. */
  nextRestartMs: number | undefined;
  lastExit: { code: number | null; signal: string | null } | undefined;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000, factor: 2 };

/** The delay before restart number `attempt` (0-based). */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.min(opts.maxMs, Math.round(opts.initialMs * opts.factor ** Math.max(0, attempt)));
}

export class Supervisor {
  private readonly opts: SupervisorOptions;
  private readonly backoff: BackoffOptions;
  private child: ChildHandle | undefined;
  private childExited: Promise<void> | undefined;
  private startedAt = 0;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private current: SupervisorState = 'stopped';
  private info: SupervisorInfo = {
    pid: undefined,
    restarts: 0,
    nextRestartMs: undefined,
    lastExit: undefined,
  };

  constructor(opts: SupervisorOptions) {
    this.opts = opts;
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  }

  get state(): SupervisorState {
    return this.current;
  }

  get status(): Readonly<SupervisorInfo> & { state: SupervisorState } {
    return { ...this.info, state: this.current };
  }

  /** Start the server; no-op while it runs or waits for a restart. */
  start(): void {
    if (this.current === 'running' || this.current === 'waiting' || this.current === 'stopping') return;
    this.attempt = 0;
    this.info.restarts = 0;
    this.launch();
  }

  /** Stop for good (until start()): graceful first, killed after stopTimeoutMs. */
  stop(): Promise<void> {
    return this.halt('stopped');
  }

  /** Stop the services but remember that the user paused them; resume() starts them again. */
  pause(): Promise<void> {
    return this.halt('paused');
  }

  resume(): void {
    if (this.current !== 'paused' && this.current !== 'stopped') return;
    this.start();
  }

  private launch(): void {
    this.clearTimer();
    const env = { ...this.opts.env };
    let child: ChildHandle;
    try {
      child = this.opts.spawn(env);
    } catch (err) {
      // A failed spawn is treated like a crash: log it and back off.
      this.opts.onLog?.(`failed to start the server: ${(err as Error).message}`, 'stderr');
      this.info.lastExit = { code: null, signal: null };
      this.scheduleRestart();
      return;
    }
    this.child = child;
    this.startedAt = Date.now();
    this.info.pid = child.pid;
    this.info.nextRestartMs = undefined;
    this.forward(child.stdout, 'stdout');
    this.forward(child.stderr, 'stderr');
    this.childExited = new Promise<void>((resolve) => {
      child.onExit((code, signal) => {
        if (this.child === child) this.child = undefined;
        this.info.pid = undefined;
        this.info.lastExit = { code, signal };
        resolve();
        // Exits during stop()/pause() are expected; anything else is a crash.
        if (this.current === 'running') this.onUnexpectedExit(code, signal);
      });
    });
    this.setState('running');
  }

  private onUnexpectedExit(code: number | null, signal: string | null): void {
    const ranFor = Date.now() - this.startedAt;
    this.opts.onLog?.(
      `server exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}) after ${ranFor} ms`,
      'stderr',
    );
    if (ranFor >= (this.opts.stableAfterMs ?? 60_000)) this.attempt = 0;
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = backoffDelay(this.attempt, this.backoff);
    this.attempt += 1;
    this.info.nextRestartMs = delay;
    this.setState('waiting');
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.current !== 'waiting') return;
      this.info.restarts += 1;
      this.launch();
    }, delay);
  }

  private async halt(final: 'stopped' | 'paused'): Promise<void> {
    this.clearTimer();
    const child = this.child;
    if (!child) {
      this.info.nextRestartMs = undefined;
      this.setState(final);
      return;
    }
    this.setState('stopping');
    const exited = this.childExited ?? Promise.resolve();
    child.terminate();
    const timeout = this.opts.stopTimeoutMs ?? 10_000;
    const graceful = await Promise.race([exited.then(() => true), delay(timeout).then(() => false)]);
    if (!graceful) {
      this.opts.onLog?.(`server did not stop within ${timeout} ms; killing it`, 'stderr');
      child.kill();
      await exited;
    }
    this.setState(final);
  }

  private forward(stream: NodeJS.ReadableStream | null, name: LogStream): void {
    if (!stream) return;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => this.opts.onLog?.(line, name));
    // A closed pipe after the child died is not an error worth crashing the shell for.
    stream.on('error', () => {});
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private setState(state: SupervisorState): void {
    this.current = state;
    this.opts.onState?.(state, { ...this.info });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}

/** Adapter for a child_process.fork/spawn child started with piped stdio. */
export function fromChildProcess(cp: ChildProcess): ChildHandle {
  return {
    get pid() {
      return cp.pid;
    },
    stdout: cp.stdout,
    stderr: cp.stderr,
    onExit(listener) {
      if (cp.exitCode !== null || cp.signalCode !== null) {
        listener(cp.exitCode, cp.signalCode);
        return;
      }
      // 'close' waits for stdio to drain as well, so no log line is lost.
      cp.once('close', (code, signal) => listener(code, signal));
    },
    terminate() {
      cp.kill('SIGTERM');
    },
    kill() {
      cp.kill('SIGKILL');
    },
  };
}
