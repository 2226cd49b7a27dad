#!/usr/bin/env node
import { needsRelaunch, relaunch } from '../dist/cli/launch.js';

if (needsRelaunch(process.env, process.platform)) {
  process.exitCode = await relaunch(process.argv.slice(1), process.env);
} else {
  const { runCli } = await import('../dist/cli/main.js');
  await runCli(process.argv.slice(2));
}
