// Mail client set-up against the formats the clients read: Thunderbird's autoconfig (clientConfig
// 1.1, parsed with Python's XML parser and checked by the rules Thunderbird's reader applies) and
// Apple's configuration profile (parsed with plistlib). Both name the configured outgoing server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startApi, type ApiEnv } from './_setup.ts';

/** clientConfig XML → JSON, by Python's ElementTree (a real XML parser, strict about well-formedness). */
const PARSE_CLIENT_CONFIG = String.raw`
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
def server(e):
    return {"kind": e.tag, "type": e.get("type"),
            **{c.tag: c.text for c in e if c.tag != "authentication"},
            "authentication": [c.text for c in e.findall("authentication")]}
print(json.dumps({
    "root": root.tag, "version": root.get("version"),
    "providers": [{
        "id": p.get("id"),
        "domains": [d.text for d in p.findall("domain")],
        "displayName": p.findtext("displayName"),
        "servers": [server(e) for e in p if e.tag in ("incomingServer", "outgoingServer")],
    } for p in root.findall("emailProvider")],
}))
`;

const PARSE_PLIST = String.raw`
import json, plistlib, sys
print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))
`;

const python = (script: string, input: string) =>
  JSON.parse(execFileSync('python3', ['-c', script], { input, encoding: 'utf8' })) as unknown;

interface Server {
  kind: string;
  type: string;
  hostname: string;
  port: string;
  socketType: string;
  username: string;
  authentication: string[];
}
interface ClientConfig {
  root: string;
  version: string;
  providers: { id: string; domains: string[]; displayName: string; servers: Server[] }[];
}

/** What Thunderbird's autoconfig reader requires of each server entry. */
function assertThunderbirdServer(s: Server, types: string[]) {
  assert.ok(types.includes(s.type), `${s.kind} type ${s.type}`);
  assert.match(s.hostname, /^[A-Za-z0-9.-]+$/, 'hostname');
  const port = Number(s.port);
  assert.ok(Number.isInteger(port) && port > 0 && port < 65536, `port ${s.port}`);
  assert.ok(['plain', 'SSL', 'STARTTLS'].includes(s.socketType), `socketType ${s.socketType}`);
  assert.ok(s.username, 'username');
  assert.ok(s.authentication.length > 0, 'authentication');
  for (const a of s.authentication) {
    assert.ok(
      [
        'password-cleartext',
        'password-encrypted',
        'OAuth2',
        'none',
        'client-IP-address',
        'GSSAPI',
        'NTLM',
      ].includes(a),
      `authentication ${a}`,
    );
  }
}

describe('client set-up with an outgoing server', () => {
  let env: ApiEnv;
  let token: string;
  before(async () => {
    env = await startApi({
      services: ['api', 'imap'],
      env: { NESTBOX_OUTGOING_HOST: 'smtp.home.example', NESTBOX_OUTGOING_TLS: 'starttls' },
    });
    const r = await env.admin.post('/users', {
      username: 'alice',
      password: 'a long secret',
      address: 'alice@Home.Example',
    });
    assert.equal(r.status, 200, r.text);
    token = (
      await env.anon.post('/authenticate', { username: 'alice', password: 'a long secret', token: true })
    ).body.token;
  });
  after(async () => {
    await env?.stop();
  });

  for (const path of ['/.well-known/autoconfig/mail/config-v1.1.xml', '/mail/config-v1.1.xml']) {
    test(`${path} is Thunderbird's clientConfig 1.1 with incoming servers and the outgoing server`, async () => {
      const r = await env.anon.get(`${path}?emailaddress=alice%40home.example`);
      assert.equal(r.status, 200, r.text);
      assert.match(String(r.headers['content-type']), /^application\/xml/);
      const cfg = python(PARSE_CLIENT_CONFIG, r.text) as ClientConfig;
      assert.equal(cfg.root, 'clientConfig');
      assert.equal(cfg.version, '1.1');
      assert.equal(cfg.providers.length, 1);
      const p = cfg.providers[0]!;
      assert.equal(p.id, 'home.example');
      assert.deepEqual(p.domains, ['home.example']);
      assert.ok(p.displayName);

      const incoming = p.servers.filter((s) => s.kind === 'incomingServer');
      const outgoing = p.servers.filter((s) => s.kind === 'outgoingServer');
      for (const s of incoming) assertThunderbirdServer(s, ['imap', 'pop3']);
      for (const s of outgoing) assertThunderbirdServer(s, ['smtp']);
      // the servers that listen, most secure first, on the address clients reach
      assert.deepEqual(
        incoming.map((s) => [s.type, s.hostname, Number(s.port), s.socketType]),
        [
          ['imap', '127.0.0.1', env.srv.ports.imaps, 'SSL'],
          ['imap', '127.0.0.1', env.srv.ports.imap, 'STARTTLS'],
        ],
      );
      assert.deepEqual(
        outgoing.map((s) => [s.type, s.hostname, s.port, s.socketType, s.username]),
        [['smtp', 'smtp.home.example', '587', 'STARTTLS', '%EMAILADDRESS%']],
      );
    });
  }

  test('autoconfig answers only for domains this server holds addresses in', async () => {
    for (const path of ['/.well-known/autoconfig/mail/config-v1.1.xml', '/mail/config-v1.1.xml']) {
      const r = await env.anon.get(`${path}?emailaddress=someone%40elsewhere.example`);
      assert.equal(r.status, 404);
      assert.equal(r.body.code, 'UnknownDomain');
    }
    // a domain added a moment ago is found
    await env.admin.post('/users', {
      username: 'bob',
      password: 'another secret',
      address: 'bob@later.example',
    });
    const later = await env.anon.get('/mail/config-v1.1.xml?emailaddress=new%40later.example');
    assert.equal(later.status, 200, later.text);
    assert.match(later.text, /<domain>later\.example<\/domain>/);
  });

  test('the outgoing server is on the Settings page and can be saved there', async () => {
    const got = await env.admin.get('/settings');
    assert.equal(got.status, 200);
    const entries = got.body.settings as { key: string; value: unknown; env: string }[];
    const byKey = Object.fromEntries(entries.map((e) => [e.key, e]));
    assert.equal(byKey['outgoing.host']?.value, 'smtp.home.example');
    assert.equal(byKey['outgoing.host']?.env, 'NESTBOX_OUTGOING_HOST');
    assert.equal(byKey['outgoing.tls']?.value, 'starttls');
    assert.equal(byKey['outgoing.port']?.value, null);
    const saved = await env.admin.put('/settings', { outgoing: { port: 465, tls: 'tls' } });
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual(saved.body.changed, ['outgoing.port', 'outgoing.tls']);
    const bad = await env.admin.put('/settings', { outgoing: { tls: 'ssl' } });
    assert.equal(bad.status, 400);
  });

  test('the Apple profile names the outgoing server', async () => {
    const r = await env.anon.get(`/mobileconfig?emailaddress=alice%40home.example&accessToken=${token}`);
    assert.equal(r.status, 200, r.text);
    const profile = python(PARSE_PLIST, r.text) as { PayloadContent: Record<string, unknown>[] };
    const mail = profile.PayloadContent[0]!;
    assert.equal(mail.OutgoingMailServerHostName, 'smtp.home.example');
    assert.equal(mail.OutgoingMailServerPortNumber, 587);
    assert.equal(mail.OutgoingMailServerUseSSL, true);
    assert.equal(mail.IncomingMailServerPortNumber, env.srv.ports.imaps);
  });
});

describe('client set-up without an outgoing server', () => {
  let env: ApiEnv;
  let token: string;
  before(async () => {
    env = await startApi({ services: ['api', 'imap'] });
    const r = await env.admin.post('/users', {
      username: 'carol',
      password: 'a long secret',
      address: 'carol@home.example',
    });
    assert.equal(r.status, 200, r.text);
    token = (
      await env.anon.post('/authenticate', { username: 'carol', password: 'a long secret', token: true })
    ).body.token;
  });
  after(async () => {
    await env?.stop();
  });

  test('autoconfig says that an outgoing server must be configured', async () => {
    const r = await env.anon.get(
      '/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=carol%40home.example',
    );
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'NoOutgoingServer');
    assert.match(r.body.error, /NESTBOX_OUTGOING_HOST/);
  });

  test('the Apple profile names no SMTP server rather than one that does not exist', async () => {
    const r = await env.anon.get(`/mobileconfig?emailaddress=carol%40home.example&accessToken=${token}`);
    assert.equal(r.status, 200, r.text);
    const mail = (python(PARSE_PLIST, r.text) as { PayloadContent: Record<string, unknown>[] })
      .PayloadContent[0]!;
    assert.equal(mail.IncomingMailServerHostName, '127.0.0.1');
    assert.deepEqual(
      Object.keys(mail).filter((k) => k.startsWith('Outgoing')),
      [],
    );
  });
});
