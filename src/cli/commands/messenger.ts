// `visage messenger setup|show`: installs the page's Messenger profile (Get Started button, greeting, persistent menu,
// ice breakers) through the Messenger Profile API, or shows what the page has now. Needs the page access token
// (MESSENGER_PAGE_ACCESS_TOKEN) and takes MESSENGER_GRAPH_URL like the server does.
import { loadConfig } from '../../config.js';
import { VisageError } from '../../errors.js';
import { createGraphClient, type GraphLog } from '../../messenger/graph-client.js';
import { messengerProfile, PROFILE_FIELDS, type MessengerProfile } from '../../messenger/profile.js';
import { parseFlags } from '../args.js';
import type { CliCommand, CliIo } from '../types.js';

const USAGE = 'visage messenger setup [--dry-run] [--config file.json]\n       visage messenger show [--config file.json]';

const FLAGS = {
  config: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

/** Retries and failures go to stderr as one line each; the client never puts the token in them. */
function stderrLog(io: CliIo): GraphLog {
  const line = (details: object, message: string): void => {
    const { path, status, attempt, maxAttempts, detail } = details as Record<string, unknown>;
    io.stderr.write(`visage messenger: ${message} (${String(path)}, status ${String(status)}, attempt ${String(attempt)} of ${String(maxAttempts)}: ${String(detail)})\n`);
  };
  return { warn: line, error: line };
}

export function describeProfile(profile: MessengerProfile): string {
  const menu = profile.persistent_menu.flatMap((m) => m.call_to_actions.map((c) => c.title));
  const questions = profile.ice_breakers.flatMap((i) => i.call_to_actions.map((c) => c.question));
  return [
    `  Get Started button: sends ${profile.get_started.payload}`,
    `  Greeting: ${profile.greeting.map((g) => `"${g.text}"`).join(', ')}`,
    `  Menu: ${menu.join(' | ')}`,
    `  Ice breakers: ${questions.join(' | ')}`,
  ].join('\n');
}

export const messengerCommand: CliCommand = {
  name: 'messenger',
  summary: 'Set up the Facebook page for the Messenger bot (Get Started, greeting, menu, ice breakers), or show it.',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, FLAGS, USAGE);
    const [action, ...extra] = positionals;
    if ((action !== 'setup' && action !== 'show') || extra.length > 0) {
      throw new VisageError('VSG_OPTION_INVALID', `Say "setup" or "show"; received ${positionals.length === 0 ? 'nothing' : `"${positionals.join(' ')}"`}.\nUsage: ${USAGE}`);
    }
    const profile = messengerProfile();
    if (action === 'setup' && values['dry-run'] === true) {
      io.stdout.write(`${JSON.stringify(profile, null, 2)}\n`);
      return 0;
    }
    const config = loadConfig({ argv: values.config === undefined ? {} : { config: values.config }, env: io.env, cwd: io.cwd });
    const token = config.messenger.pageAccessToken;
    if (token === undefined) {
      throw new VisageError('VSG_CONFIG_INVALID', 'Set MESSENGER_PAGE_ACCESS_TOKEN to the page access token from your Meta app (Messenger settings).');
    }
    const graph = createGraphClient({ graphUrl: config.messenger.graphUrl, accessToken: token, log: stderrLog(io) });
    if (action === 'show') {
      io.stdout.write(`${JSON.stringify(await graph.getProfile(PROFILE_FIELDS), null, 2)}\n`);
      return 0;
    }
    await graph.setProfile(profile);
    io.stdout.write(`The Messenger profile of the page is set:\n${describeProfile(profile)}\n`);
    return 0;
  },
};
