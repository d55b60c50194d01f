// Outgoing mail for forwards and vacation replies, through the configured SMTP relay only:
// Nestbox never delivers to the Internet itself.
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { RELAY_TIMEOUT_MS } from './limits.ts';

export class Relay {
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(url: string) {
    const u = new URL(url);
    this.transport = createTransport({
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : u.protocol === 'smtps:' ? 465 : 587,
      secure: u.protocol === 'smtps:',
      ...(u.username
        ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } }
        : {}),
      // a LAN relay with a self-signed certificate is accepted only when the URL says ?tlsVerify=false
      tls: { rejectUnauthorized: u.searchParams.get('tlsVerify') !== 'false' },
      connectionTimeout: RELAY_TIMEOUT_MS,
      greetingTimeout: RELAY_TIMEOUT_MS,
      socketTimeout: RELAY_TIMEOUT_MS,
    });
  }

  /** Sends exact bytes with the given envelope (`from: ''` = null return path). */
  async sendRaw(envelope: { from: string; to: string[] }, raw: Buffer): Promise<void> {
    await this.transport.sendMail({ envelope, raw });
  }

  /** Composes and sends a message. */
  async send(message: Mail.Options & { envelope: { from: string; to: string[] } }): Promise<void> {
    await this.transport.sendMail(message);
  }

  close(): void {
    this.transport.close();
  }
}
