// One IMAP connection: reads one command at a time, runs it, applies the journal where the command's
// declaration allows, writes the tagged reply. Invariants:
// - one command at a time per connection; pipelined input waits in the reader (bounded, then TCP);
// - untagged updates come only from the journal and only where the command's `sync` rule allows;
// - no input and no store failure ends the process: BAD / NO and the session goes on.
import type { Logger } from '../log/logger.ts';
import { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { ServiceContext } from '../service.ts';
import type { AuthResult, Beacon, SearchKey as StoreSearchKey } from '../store/index.ts';
import { CommandInput } from './input.ts';
import type { CommandResult, ErrorResult } from './protocol/reader.ts';
import {
  ResponseWriter,
  continuation,
  tagged,
  untaggedStatus,
  type SimpleCode,
} from './protocol/response.ts';
import type { SelectedMailbox } from './selected.ts';
import type { RecentMarks } from './recent.ts';
import { bad, no, type CommandSpec, type Reply, type SessionState } from './command.ts';
import { storeErrorReply } from './store-errors.ts';
import { compressInput, compressOutput, type Compression } from './compress.ts';
import { wireModseq } from './modseq.ts';
import { ProtocolError } from './protocol/errors.ts';
import {
  AUTOLOGOUT_AUTHENTICATED_MS,
  MAX_COMMAND,
  MAX_CONSECUTIVE_ERRORS,
  MAX_DISCARD,
  MAX_LINE,
  MAX_PREAUTH_LITERAL,
  MAX_SMALL_LITERAL,
} from './limits.ts';

export interface SessionDeps {
  ctx: ServiceContext;
  recent: RecentMarks;
  commands: ReadonlyMap<string, CommandSpec>;
  onClose(session: Session): void;
}

/** Commands that have a `UID` form (RFC 3501 §6.4.8, RFC 4315, RFC 6851, RFC 5256). */
const UID_COMMANDS = new Set(['FETCH', 'STORE', 'SEARCH', 'COPY', 'MOVE', 'EXPUNGE', 'SORT', 'THREAD']);

let nextId = 1;

export class Session {
  readonly id = nextId++;
  state: SessionState = 'not-authenticated';
  user: AuthResult | null = null;
  selected: SelectedMailbox | null = null;
  socket: Duplex;
  tls: boolean;
  readonly out: ResponseWriter;
  readonly input: CommandInput;
  readonly remoteAddress: string;
  readonly ctx: ServiceContext;
  readonly recentMarks: RecentMarks;
  authFailures = 0;
  /** RFC 7162 §3.1: enabled by ENABLE or by the first command that uses it. */
  condstore = false;
  /** RFC 7162 §3.2.3: only by ENABLE QRESYNC (which enables CONDSTORE too). */
  qresync = false;
  private errors = 0;
  private busy = false;
  private idling = false;
  private closing = false;
  private closed = false;
  private autologout: NodeJS.Timeout | null = null;
  private prelogin: NodeJS.Timeout | null = null;
  private unsubscribe: (() => Promise<void>) | null = null;
  private wakeIdle: (() => void) | null = null;
  private done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    socket: Duplex & { remoteAddress?: string | undefined },
    tls: boolean,
    private readonly deps: SessionDeps,
  ) {
    this.socket = socket;
    this.tls = tls;
    this.ctx = deps.ctx;
    this.recentMarks = deps.recent;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.out = new ResponseWriter(socket);
    this.input = new CommandInput(socket, {
      maxLine: MAX_LINE,
      maxCommandText: MAX_COMMAND,
      // RFC 7889: the largest literal is the APPENDLIMIT; other commands take far less (below)
      maxLiteral: deps.ctx.config.maxMessageSize,
      maxDiscard: MAX_DISCARD,
    });
    this.input.reader.literalLimit = (command) => this.literalLimit(command);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    socket.on('error', () => undefined);
    socket.on('close', () => void this.cleanup());
  }

  private logger: Logger | undefined;
  private loggedAs: string | undefined;

  /** The service's logger with this connection's protocol, client address and, once known, user
   * (docs/ARCHITECTURE.md §6). */
  get log(): Logger {
    const user = this.user?.username;
    if (!this.logger || this.loggedAs !== user) {
      this.logger = this.ctx.log.child({
        protocol: 'imap',
        remote: this.remoteAddress,
        ...(user ? { user } : {}),
      });
      this.loggedAs = user;
    }
    return this.logger;
  }

  get store() {
    return this.ctx.store;
  }

  /** The authenticated user's id. */
  get userId(): string {
    if (!this.user) throw new Error('not authenticated');
    return this.user.user;
  }

  /** RFC 3501 §6.2.3 LOGINDISABLED: plaintext login only where the config allows it. */
  get plaintextAllowed(): boolean {
    if (this.tls) return true;
    const mode = this.ctx.config.plaintextAuth;
    if (mode === 'always') return true;
    if (mode === 'never') return false;
    return /^(127\.|::1$|::ffff:127\.)/.test(this.remoteAddress);
  }

  capabilities(): string[] {
    const caps = ['IMAP4rev1'];
    if (this.state === 'not-authenticated') {
      if (!this.tls) caps.push('STARTTLS');
      if (this.plaintextAllowed) caps.push('AUTH=PLAIN', 'AUTH=LOGIN');
      else caps.push('LOGINDISABLED');
    }
    caps.push(
      'SASL-IR',
      'LITERAL+',
      'ID',
      'ENABLE',
      'IDLE',
      'NAMESPACE',
      'UNSELECT',
      'UIDPLUS',
      'MOVE',
      'SPECIAL-USE',
      'CHILDREN',
      'ESEARCH',
      'SEARCHRES',
      'WITHIN',
      'SORT',
      'SORT=DISPLAY',
      'ESORT',
      'CONTEXT=SEARCH',
      'CONTEXT=SORT',
      'THREAD=ORDEREDSUBJECT',
      'THREAD=REFERENCES',
      'LIST-EXTENDED',
      'LIST-STATUS',
      'CREATE-SPECIAL-USE',
      'MULTIAPPEND',
      'BINARY',
      'CATENATE',
      'COMPRESS=DEFLATE',
      `APPENDLIMIT=${this.ctx.config.maxMessageSize}`,
      'CONDSTORE',
      'QRESYNC',
      'STATUS=SIZE',
      'QUOTA',
      'QUOTA=RES-STORAGE',
      'QUOTA=RES-MESSAGE',
    );
    return caps;
  }

  async run(): Promise<void> {
    const greeting = { code: 'CAPABILITY' as const, capabilities: this.capabilities() };
    this.startPreloginTimer();
    this.out.queue(untaggedStatus('OK', 'Nestbox IMAP4rev1 ready', greeting));
    await this.out.flush();
    this.resetAutologout();
    try {
      while (!this.closed && !this.closing) {
        const res = await this.input.next();
        if (res === null) break;
        this.busy = true;
        let fatal = false;
        try {
          if (res.kind === 'command') await this.handle(res);
          else if (res.kind === 'continue') {
            // RFC 3501 §7.5: the literal was accepted; the client may send it now
            this.out.queue(continuation());
            await this.out.flush();
          } else if (res.kind === 'error') {
            await this.readError(res);
            fatal = res.fatal;
          }
          // 'line' results come only in line mode, which IDLE and AUTHENTICATE read themselves
        } finally {
          this.busy = false;
        }
        if (fatal) {
          await this.bye(res.kind === 'error' ? res.message : 'Protocol error');
          break;
        }
        if (this.errors >= MAX_CONSECUTIVE_ERRORS) {
          await this.bye('Too many invalid commands');
          break;
        }
        this.resetAutologout();
      }
      if (this.closing && !this.closed) await this.bye('Server shutting down');
    } catch (err) {
      this.log.error({ err, session: this.id }, 'imap session failed');
    } finally {
      this.end();
    }
  }

  /** Resolves when the connection is gone. */
  whenClosed(): Promise<void> {
    return this.done;
  }

  /** The largest literal `command` may send now (RFC 7888 §4, RFC 7889 APPENDLIMIT): only APPEND
   * carries a message; before login nobody needs more than a password. */
  private literalLimit(command: string): number {
    if (this.state === 'not-authenticated') return MAX_PREAUTH_LITERAL;
    return command === 'APPEND' ? this.ctx.config.maxMessageSize : MAX_SMALL_LITERAL;
  }

  /** Answers input the reader refused: tagged when the tag could be read, else `* BAD`
   * (RFC 3501 §7.1.3); a message over APPENDLIMIT is NO [TOOBIG] (RFC 7889 §3). */
  private async readError(err: ErrorResult): Promise<void> {
    const tag = err.tag ?? '*';
    if (err.code === 'TOOBIG' && this.state === 'not-authenticated') {
      await this.reply(tag, bad('Literal too big before authentication'));
    } else if (err.code === 'TOOBIG' && err.command === 'APPEND') {
      const max = this.ctx.config.maxMessageSize;
      this.errors++;
      await this.reply(tag, no(`Message larger than the APPENDLIMIT of ${max} bytes`, 'TOOBIG'), true);
    } else {
      await this.reply(tag, bad(err.message));
    }
  }

  private async handle(cmd: CommandResult): Promise<void> {
    const { tag, name, uid, args } = cmd;
    if (uid && !UID_COMMANDS.has(name)) {
      await this.reply(tag, bad('UID needs FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE, SORT or THREAD'));
      return;
    }
    const spec = this.deps.commands.get(name);
    if (!spec || (uid && !spec.uidSync)) {
      await this.reply(tag, bad(`Unknown command ${name.slice(0, 32)}`));
      return;
    }
    if (!spec.states.includes(this.state)) {
      await this.reply(tag, bad(stateError(this.state, spec.states)));
      return;
    }
    let reply: Reply;
    try {
      reply = await spec.run({ session: this, tag, name, uid, args });
    } catch (err) {
      reply = this.errorReply(err, name);
    }
    const rule = (uid ? spec.uidSync : spec.sync) ?? 'none';
    if (this.selected && !this.closed) {
      this.selected.recheck();
      try {
        await this.selected.sync(rule, this.syncDeps(), spec.forceSync === true);
      } catch (err) {
        this.log.error({ err, session: this.id }, 'imap journal sync failed');
      }
    }
    await this.reply(tag, reply);
  }

  /** Turns an exception from a command into its reply (RFC 5530 codes). */
  errorReply(err: unknown, command: string): Reply {
    if (err instanceof ProtocolError)
      return { status: 'BAD', ...(err.code ? { code: err.code as SimpleCode } : {}), text: err.message };
    const mapped = storeErrorReply(err);
    if (mapped) return mapped;
    this.log.error({ err, session: this.id, command }, 'imap command failed');
    return no('Internal error, the command was not completed', 'SERVERBUG');
  }

  syncDeps() {
    return {
      view: (mailbox: string, atLeast?: number) => this.store.messages.view(this.userId, mailbox, atLeast),
      recent: this.recentMarks,
      out: this.out,
      search: (mailbox: string, key: StoreSearchKey) => this.store.messages.search(this.userId, mailbox, key),
    };
  }

  /** Writes the tagged reply; BADs in a row are counted towards the BYE (`keepCount` for a refusal
   * that is not a BAD but must not reset the count either). */
  async reply(tag: string, r: Reply, keepCount = false): Promise<void> {
    if (!keepCount) this.errors = r.status === 'BAD' ? this.errors + 1 : 0;
    this.out.queue(tagged(tag, r.status, r.text, r.code));
    await this.out.flush();
    if (this.afterReply) {
      const after = this.afterReply;
      this.afterReply = null;
      await after();
    }
  }

  /** Runs once the tagged reply is on the wire (STARTTLS handshake, LOGOUT close). */
  afterReply: (() => Promise<void> | void) | null = null;

  /** Becomes authenticated: subscribes to the user's beacons (docs/ARCHITECTURE.md §4). */
  async login(auth: AuthResult): Promise<void> {
    this.user = auth;
    this.state = 'authenticated';
    if (this.prelogin) clearTimeout(this.prelogin);
    this.prelogin = null;
    this.unsubscribe = await this.store.notify.subscribe(auth.user, (b) => this.onBeacon(b));
    if (this.closed) await this.unsubscribe();
  }

  private onBeacon(b: Beacon): void {
    const box = this.selected;
    if (!box) return;
    let mine = b.mailbox === box.id;
    // a beacon of a MOVE names one mailbox but carries the entries of both
    if (b.entries) {
      mine = false;
      for (const e of b.entries) {
        if (e.mailbox !== box.id) continue;
        mine = true;
        box.want = Math.max(box.want, e.modseq);
      }
    }
    if (mine) {
      box.dirty = true;
      this.wake();
    }
  }

  /** Wakes IDLE (news, the client's DONE, shutdown); remembered if IDLE is not waiting right now. */
  wake(): void {
    this.woken = true;
    this.wakeIdle?.();
  }

  private woken = false;

  /**
   * Turns CONDSTORE on (RFC 7162 §3.1: ENABLE, or any command that uses it). Turned on while a
   * mailbox is selected, the client learns its HIGHESTMODSEQ at once (RFC 7162 §3.1.2.1).
   */
  enableCondstore(): void {
    if (this.condstore) return;
    this.condstore = true;
    const box = this.selected;
    if (!box) return;
    box.condstore = true;
    const highest = wireModseq(box.highestModseq);
    this.out.untagged(`OK [HIGHESTMODSEQ ${highest}] Highest`);
  }

  /** RFC 7162 §3.2.3: QRESYNC implies CONDSTORE. */
  enableQresync(): void {
    this.enableCondstore();
    this.qresync = true;
    if (this.selected) this.selected.qresync = true;
  }

  select(box: SelectedMailbox): void {
    box.condstore = this.condstore;
    box.qresync = this.qresync;
    this.selected = box;
    this.state = 'selected';
  }

  deselect(): void {
    this.selected = null;
    if (this.state === 'selected') this.state = 'authenticated';
  }

  /**
   * Waits while IDLE (RFC 2177) until a beacon, `ms`, or shutdown. Returns 'stop' when the session is
   * closing.
   */
  waitForNews(ms: number): Promise<'news' | 'poll' | 'stop'> {
    if (this.closing || this.closed) return Promise.resolve('stop');
    if (this.woken) {
      this.woken = false;
      return Promise.resolve('news');
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish('poll'), ms);
      const finish = (why: 'news' | 'poll' | 'stop') => {
        clearTimeout(timer);
        this.wakeIdle = null;
        this.woken = false;
        resolve(why);
      };
      this.wakeIdle = () => finish(this.closing || this.closed ? 'stop' : 'news');
    });
  }

  setIdling(on: boolean): void {
    this.idling = on;
    this.resetAutologout();
  }

  /** Sends a continuation request and reads the client's line (AUTHENTICATE, RFC 3501 §6.2.2). */
  async continuation(text: string): Promise<string | null> {
    this.out.queue(continuation(text));
    await this.out.flush();
    const line = await this.input.readLine();
    if (line === null) return null;
    if (line === 'too-long') throw new ProtocolError('Response line too long');
    return line.toString('latin1');
  }

  /** COMPRESS=DEFLATE is on (RFC 4978). */
  get compressed(): boolean {
    return this.compression !== null;
  }

  private compression: Compression | null = null;

  /** COMPRESS DEFLATE (RFC 4978 §3): input is inflated from now on; responses are deflated after
   * the tagged OK, which goes out as it is. Over TLS, compression runs inside it. */
  startCompression(): void {
    const socket = this.socket;
    compressInput(socket, this.input);
    this.afterReply = () => {
      this.compression = compressOutput(socket, this.out);
    };
  }

  /** Upgrades the connection after `OK Begin TLS` (RFC 3501 §6.2.1). */
  async startTls(): Promise<void> {
    // pipelined plaintext after STARTTLS is discarded, never executed (RFC 3501 §6.2.1, RFC 2595 §3.1)
    this.input.detach();
    const plain = this.socket as Socket;
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.ctx.tls.context });
    secure.on('error', () => undefined);
    this.socket = secure;
    this.out.setOutput(secure);
    this.input.attach(secure);
    secure.on('close', () => void this.cleanup());
    await new Promise<void>((resolve) => {
      secure.once('secure', () => resolve());
      secure.once('close', () => resolve());
    });
    this.tls = true;
  }

  /** Before login the time is counted from connect, not from the last command, so commands cannot
   * keep an unauthenticated connection open (ARCHITECTURE §6). */
  private startPreloginTimer(): void {
    const ms = this.ctx.connectionLimits.preloginTimeoutMs;
    this.prelogin = setTimeout(() => {
      if (this.state !== 'not-authenticated') return;
      const seconds = Math.round(ms / 1000);
      // the BYE is written at once; end() does not wait for a client that does not read
      void this.bye(`Autologout; not logged in within ${seconds} seconds`);
      this.end();
    }, ms);
    this.prelogin.unref();
  }

  private resetAutologout(): void {
    if (this.autologout) clearTimeout(this.autologout);
    this.autologout = null;
    if (this.state === 'not-authenticated') return; // the pre-login timer runs instead
    this.autologout = setTimeout(() => {
      // RFC 3501 §5.4: autologout after inactivity; a running command (other than IDLE) is activity
      if (this.busy && !this.idling) return this.resetAutologout();
      void this.bye('Autologout; idle for too long').then(() => this.end());
    }, AUTOLOGOUT_AUTHENTICATED_MS);
    this.autologout.unref();
  }

  /** Ends the session politely with `* BYE` (logout requests, shutdown, abuse). */
  async bye(text: string): Promise<void> {
    if (this.closed) return;
    this.out.queue(untaggedStatus('BYE', text));
    await this.out.flush();
  }

  /** Stop after the running command (or now, when idle between commands or in IDLE). */
  shutdown(text = 'Server shutting down'): Promise<void> {
    this.closing = true;
    if (this.idling) this.wake();
    if (!this.busy) void this.bye(text).then(() => this.end());
    return this.done;
  }

  end(): void {
    if (!this.socket.destroyed) {
      // a compressor ends the socket after the last of its output
      (this.compression?.output ?? this.socket).end();
      const s = this.socket;
      setTimeout(() => s.destroy(), 2000).unref();
    }
    void this.cleanup();
  }

  private async cleanup(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.autologout) clearTimeout(this.autologout);
    if (this.prelogin) clearTimeout(this.prelogin);
    this.wakeIdle?.();
    this.input.detach();
    this.selected = null;
    this.deps.onClose(this);
    const unsub = this.unsubscribe;
    this.unsubscribe = null;
    if (unsub) await unsub().catch(() => undefined);
    this.resolveDone();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

function stateError(state: SessionState, allowed: readonly SessionState[]): string {
  if (state === 'not-authenticated') return 'Log in first';
  if (state === 'authenticated' && allowed.includes('selected')) return 'No mailbox selected';
  return 'Command not valid in this state';
}
