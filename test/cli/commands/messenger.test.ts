// `visage messenger setup|show` against the local fake Graph API, which checks the Messenger Profile API's limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/cli/main.js';
import { messengerProfile, POSTBACKS } from '../../../src/messenger/profile.js';
import { startFakeGraph, type FakeGraph } from '../../channels/messenger/fake-graph.js';
import { testIo } from './cli-io.js';

const TOKEN = 'EAApageTokenForTheSetupCommand';
let graph: FakeGraph;

beforeAll(async () => {
  graph = await startFakeGraph({ accessToken: TOKEN });
});

afterAll(async () => {
  await graph?.close();
});

const env = (token: string | null = TOKEN): NodeJS.ProcessEnv => ({
  MESSENGER_GRAPH_URL: graph.url,
  ...(token === null ? {} : { MESSENGER_PAGE_ACCESS_TOKEN: token }),
});

describe('visage messenger setup', () => {
  it('sets get_started, greeting, persistent menu and ice breakers in one accepted request', async () => {
    const io = testIo('/tmp', env());
    expect(await runCommand(['messenger', 'setup'], io)).toBe(0);
    expect(graph.profile).toEqual(messengerProfile());
    expect(graph.attempts.filter((a) => a.path === '/me/messenger_profile').map((a) => [a.method, a.status])).toEqual([['POST', 200]]);
    expect(io.out()).toContain('Get Started button: sends GET_STARTED');
    expect(io.out()).toContain('Menu: How to check a photo | Practise reading faces | What to look for');
    expect(io.out() + io.err()).not.toContain(TOKEN);
  });

  it('uses only payloads the webhook answers', () => {
    const payloads = [
      messengerProfile().get_started.payload,
      ...messengerProfile().persistent_menu.flatMap((m) => m.call_to_actions.map((c) => c.payload)),
      ...messengerProfile().ice_breakers.flatMap((i) => i.call_to_actions.map((c) => c.payload)),
    ];
    expect(payloads.every((p) => Object.values<string>(POSTBACKS).includes(p))).toBe(true);
  });

  it('shows the profile the page has', async () => {
    const io = testIo('/tmp', env());
    expect(await runCommand(['messenger', 'show'], io)).toBe(0);
    expect(JSON.parse(io.out())).toEqual({ data: [messengerProfile()] });
  });

  it('prints the profile without sending it with --dry-run', async () => {
    const before = graph.attempts.length;
    const io = testIo('/tmp', {});
    expect(await runCommand(['messenger', 'setup', '--dry-run'], io)).toBe(0);
    expect(JSON.parse(io.out())).toEqual(messengerProfile());
    expect(graph.attempts).toHaveLength(before);
  });

  it('says which setting is missing, in one line', async () => {
    const io = testIo('/tmp', env(null));
    expect(await runCommand(['messenger', 'setup'], io)).toBe(78);
    expect(io.err()).toBe('visage messenger: VSG_CONFIG_INVALID: Set MESSENGER_PAGE_ACCESS_TOKEN to the page access token from your Meta app (Messenger settings).\n');
  });

  it('reports a refused token without printing it', async () => {
    const io = testIo('/tmp', env('EAAwrongTokenValue'));
    expect(await runCommand(['messenger', 'setup'], io)).toBe(69);
    expect(io.err()).toContain('VSG_GRAPH_FAILED');
    expect(io.err()).toContain('status 401');
    expect(io.err()).not.toContain('EAAwrongTokenValue');
  });

  it('retries a Graph failure and says so on stderr', async () => {
    let calls = 0;
    graph.intercept = (r) => (r.path === '/me/messenger_profile' && ++calls === 1 ? { status: 503 } : undefined);
    const io = testIo('/tmp', env());
    expect(await runCommand(['messenger', 'setup'], io)).toBe(0);
    expect(io.err()).toMatch(/^visage messenger: Graph API request failed; retrying \(\/me\/messenger_profile, status 503, attempt 1 of 4/);
    graph.intercept = undefined;
  });

  it('refuses an unknown action', async () => {
    const io = testIo('/tmp', env());
    expect(await runCommand(['messenger', 'install'], io)).toBe(64);
    expect(io.err()).toContain('Say "setup" or "show"; received "install".');
  });
});
